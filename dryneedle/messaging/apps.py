from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "dryneedle.messaging"
    label = "messaging"
    verbose_name = "Secure messages between a patient and their clinic"
