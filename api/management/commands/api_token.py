"""manage.py api_token create|rotate|revoke|list: agency tokens from the server's shell (run as
the system; the action is audited with no user). The secret is printed once, to stdout only."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.services.tokens import token_create, token_revoke, token_rotate
from registry.models import Agency


class Command(BaseCommand):
    help = "Create, rotate, revoke or list agency API tokens"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--agency", required=True, help="agency code")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--days", type=int, default=90, help="days until expiry")
        create.add_argument("--rate", type=int, default=600, help="requests per minute")
        for name in ("rotate", "revoke"):
            p = sub.add_parser(name)
            p.add_argument("token_id", type=int)
        sub.add_parser("list")

    def handle(self, *args, action: str, **options):
        if action == "create":
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with code {options['agency']!r}")
            issued = token_create(
                actor=None,
                agency=agency,
                name=options["name"],
                expires_in_days=options["days"],
                rate_limit_per_minute=options["rate"],
            )
            self._print_secret(issued)
        elif action in ("rotate", "revoke"):
            token = ApiToken.objects.filter(pk=options["token_id"]).first()
            if token is None:
                raise CommandError(f"no token {options['token_id']}")
            if action == "rotate":
                try:
                    self._print_secret(token_rotate(actor=None, token=token))
                except ValueError as exc:
                    raise CommandError(str(exc)) from exc
            else:
                token_revoke(actor=None, token=token)
                self.stdout.write(f"revoked token {token.pk}")
        else:
            for t in ApiToken.objects.select_related("agency"):
                state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
                self.stdout.write(f"{t.pk}\t{t.agency.code}\t{t.prefix}\t{t.name}\t{state}")

    def _print_secret(self, issued) -> None:
        self.stdout.write(f"token {issued.token.pk} ({issued.token.agency.code}): {issued.secret}")
        self.stdout.write("Store it now: it is shown only once.")
