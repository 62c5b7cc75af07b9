from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from ponte.network.api import router as network_router

api = NinjaAPI(
    title="Ponte API",
    version="1",
    description="Partner-system API of Ponte. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    docs_url=None,  # the interactive docs page needs a CDN; the OpenAPI file is enough
)
api.add_router("/", network_router)
api.add_router("/hsds/", "ponte.catalog.api.router")
api.add_router("/outreach/", "ponte.outreach.api.router")
api.add_router("/referrals/", "ponte.referrals.api.router")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Invalid or missing token"}, status=401)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)
