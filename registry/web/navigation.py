"""The main navigation: each entry is shown only if its URL exists and the user's role may
open it (read from the `allowed_roles` that `role_required` leaves on the view), so pages
added later by other modules appear for the right roles without touching the frame."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry.web.auth import request_role


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Promise
    description: Promise


# Order is the order in the menu. Entries whose URL name does not resolve are skipped.
NAV_ENTRIES: tuple[NavEntry, ...] = (
    NavEntry("person_search", _("Search persons"), _("Find a person by NIK, name, birth date.")),
    NavEntry(
        "targeting:index",
        _("Aid targeting"),
        _("Recipients who are deceased, paid twice or outside their decile."),
    ),
    NavEntry(
        "targeting:verify", _("Verify a recipient list"), _("Check a program's list row by row.")
    ),
    NavEntry("review:queue", _("Review queue"), _("Decide uncertain pairs of records.")),
    NavEntry("planning:dashboard", _("Planner dashboard"), _("Population, aid coverage and gaps.")),
    NavEntry(
        "planning:households", _("Household query"), _("Count and list households by filters.")
    ),
    NavEntry("board:index", _("Walidata board"), _("Submissions, grants and data quality.")),
    NavEntry(
        "manage:index",
        _("Administration"),
        _("Agencies, datasets, accounts, grants and API tokens."),
    ),
    NavEntry("auditor:index", _("Audit trail"), _("Who accessed what, and why.")),
    NavEntry(
        "privacy:index",
        _("Pelindungan data pribadi"),
        _("Catatan pemrosesan, register insiden dan permintaan koreksi (UU PDP)."),
    ),
    NavEntry(
        "welfare:proposals",
        _("Usulan DTSEN"),
        _("Usulan tambah, keluarkan atau perbarui keluarga; ekspor batch untuk SIKS-NG."),
    ),
    NavEntry(
        "welfare:objections",
        _("Sanggahan"),
        _("Sanggahan atas keluarga: tenggat, penugasan, verifikasi lapangan dan keputusan."),
    ),
    NavEntry(
        "catalogue:index",
        _("Katalog data terbuka"),
        _("Dataset terbuka dan statistik dengan metadata Satu Data; untuk portal: CKAN dan DCAT."),
    ),
    NavEntry("upload", _("Upload data"), _("Send a CSV or XLSX file of your agency.")),
    NavEntry("batch_list", _("Import history"), _("Batches imported and their reports.")),
)


def nav_items(request: HttpRequest) -> list[dict]:
    if not request.user.is_authenticated:
        return []
    role = request_role(request)
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for entry in NAV_ENTRIES:
        try:
            url = reverse(entry.url_name)
            view = resolve(url).func
        except (NoReverseMatch, Resolver404):
            continue
        allowed = getattr(view, "allowed_roles", None)
        if allowed is not None and role not in allowed:
            continue
        # A page may narrow its role further (e.g. only the social analysts of Dinsos).
        shown = getattr(view, "nav_visible", None)
        if shown is not None and not shown(request):
            continue
        items.append(
            {
                "url": url,
                "label": entry.label,
                "description": entry.description,
                "current": entry.url_name == current,
            }
        )
    return items
