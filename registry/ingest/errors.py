"""Why a file as a whole cannot be read."""


class FileFormatError(ValueError):
    """The file as a whole cannot be read (no header row, unknown format, empty, too many
    columns): a 422 on the web and the API."""


class FileTooLarge(FileFormatError):
    """The file is beyond a size bound (bytes, rows, unpacked size): a 413."""

    status = 413
