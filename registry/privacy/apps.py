from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """UU PDP (Law 27/2022) duties as features: the data protection officer's record of
    processing, the breach register and data subjects' correction requests."""

    name = "registry.privacy"
    label = "privacy"
    verbose_name = "Pelindungan data pribadi"
    default_auto_field = "django.db.models.BigAutoField"
