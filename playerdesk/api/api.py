from ninja import NinjaAPI

api = NinjaAPI(title="PlayerDesk API", version="1", urls_namespace="api")
