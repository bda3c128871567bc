from django.apps import AppConfig


class WelfareConfig(AppConfig):
    """The city's part of the national social registry (DTSEN): proposals (usulan) sent up
    through musyawarah kelurahan, Dinsos and SIKS-NG, and objections (sanggahan) verified in
    the field within a deadline."""

    name = "registry.welfare"
    label = "welfare"
    verbose_name = "Usulan dan sanggahan DTSEN"
    default_auto_field = "django.db.models.BigAutoField"
