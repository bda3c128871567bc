"""Read-only admin for auditors. Looking at the trail is itself recorded ('audit.view')."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from audit.actions import Action
from audit.models import AuditEvent
from audit.services import audit_context_from_request, audit_record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor_username", "agency_code", "action", "outcome")
    list_filter = ("action", "outcome", "agency_code")
    search_fields = ("=actor_username", "=object_id", "=action")
    list_select_related = False
    # COUNT(*) over millions of append-only rows on every page load is not worth it.
    show_full_result_count = False
    ordering = ("-id",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _audited(self, request, view, *, object_id: str = ""):
        # Recorded after the permission check so refusals show up as 'denied'.
        try:
            response = view()
        except PermissionDenied:
            self._record(request, object_id, "denied", "no audit view permission")
            raise
        self._record(request, object_id, "allowed", "")
        return response

    def _record(self, request, object_id: str, outcome: str, reason: str) -> None:
        audit_record(
            actor=request.user,
            action=Action.AUDIT_VIEW,
            object_type="audit_event",
            object_id=object_id,
            outcome=outcome,
            reason=reason,
            # Admin filter values only (action, agency, outcome, exact username/id search).
            query=dict(request.GET.items()),
            **audit_context_from_request(request),
        )

    def changelist_view(self, request, extra_context=None):
        return self._audited(
            request, lambda: super(AuditEventAdmin, self).changelist_view(request, extra_context)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._audited(
            request,
            lambda: super(AuditEventAdmin, self).change_view(
                request, object_id, form_url, extra_context
            ),
            object_id=str(object_id),
        )
