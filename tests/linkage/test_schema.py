"""One definition of the exchange format's names (issue 17 item 7): the importer's header
mapping, the engine's frame reader and the registry's linking read them from linkage.schema."""

from linkage import frames, schema
from linkage.normalize.record import FIELD_NAMES, INPUT_KEYS


def test_frame_reader_maps_headers_as_the_importer_does():
    from registry.ingest import headers

    for alias in {a for names in schema.HEADER_ALIASES.values() for a in names}:
        assert frames.default_header_mapper(alias) == headers.map_header(alias), alias
    assert headers.CANONICAL_FIELDS is schema.CANONICAL_FIELDS


def test_engine_columns_are_defined_once():
    from registry.linking import records

    assert [*schema.RECORD_KEY_COLUMNS, *schema.ENGINE_COLUMNS] == records.ENGINE_COLUMNS
    assert set(schema.ENGINE_COLUMNS) <= set(FIELD_NAMES)
    assert frames.ENGINE_COLUMNS is schema.ENGINE_COLUMNS


def test_input_keys_are_the_canonical_fields():
    assert INPUT_KEYS == schema.CANONICAL_FIELDS


def test_source_id_is_one_function():
    from api.services import submissions
    from registry.services import imports, submit

    assert imports._source_id is schema.source_id is submit.source_id_of
    assert submissions.source_id_of is schema.source_id
    assert schema.source_id({"source_record_id": 3671.0}) == "3671"
    assert schema.source_id({"source_record_id": " A-1 "}) == "A-1"
