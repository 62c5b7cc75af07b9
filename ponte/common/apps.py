from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "ponte.common"
    label = "common"
