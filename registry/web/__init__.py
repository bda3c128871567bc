"""Server-rendered web app: thin views over the same selectors and services as the API.

Each view parses its input, calls one selector or service and renders a template. Pages that
show personal data ask for a purpose first (`registry.web.purpose`); pages a role may not see
answer 404 and leave an audit event (`registry.web.auth.role_required`).
"""
