app_name = "apply"
urlpatterns: list = []
