"""Template tags of the web frame (base.html): navigation, purpose banner, labels."""

from __future__ import annotations

from django import template

from registry.web.labels import field_label as _field_label
from registry.web.labels import reason_label as _reason_label
from registry.web.navigation import nav_items as _nav_items

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context):
    request = context.get("request")
    return _nav_items(request) if request is not None else []


@register.simple_tag(takes_context=True)
def current_purpose(context):
    """(code, label, text) of the purpose in force, or None."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    from registry.web.purpose import current_purpose as _current
    from registry.web.purpose import purpose_label

    purpose = getattr(request, "purpose", None) or _current(request)
    if purpose is None:
        return None
    return {"code": purpose.code, "label": purpose_label(purpose.code), "text": purpose.text}


@register.simple_tag(takes_context=True)
def user_role_label(context):
    from registry.roles import Role
    from registry.web.auth import request_role

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return Role(request_role(request)).label


@register.filter
def field_label(name):
    return _field_label(str(name))


@register.filter
def reason_label(reason):
    return _reason_label(str(reason))


@register.filter
def relationship_label(code):
    from registry.web.labels import relationship_label as _relationship_label

    return _relationship_label(str(code or ""))


@register.filter
def sex_label(code):
    from registry.web.labels import SEX_LABELS

    return SEX_LABELS.get(code, code or "")


@register.filter
def rupiah(amount):
    """1250000 -> 'Rp1.250.000' (Indonesian thousands separator, no decimals)."""
    if amount is None or amount == "":
        return ""
    return "Rp" + f"{int(amount):,}".replace(",", ".")


@register.filter
def access_label(level):
    from registry.web.labels import ACCESS_LABELS

    label = ACCESS_LABELS.get(level)
    return label if label is not None else level


@register.filter
def action_label(code: str) -> str:
    """An audit action code's label from the one catalogue (audit.actions)."""
    from audit.actions import action_label as _action_label

    return _action_label(code)
