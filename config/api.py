from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from ponte.network.api import router as network_router

_DETAIL: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {}},
    "required": ["detail"],
}
# The answers of the handlers below, which every operation can give: the routers declare only
# their own. Without them the OpenAPI file would promise partner systems fewer statuses than
# they can receive (schemathesis checks every answer against it: tests/test_api_schemathesis.py).
_UNAUTHORIZED = {
    "description": "Missing or invalid token",
    "content": {"application/json": {"schema": _DETAIL}},
}
_UNPROCESSABLE = {
    "description": "A parameter or the body does not match the declared types",
    "content": {"application/json": {"schema": _DETAIL}},
}


class PonteAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _declare_common_answers(operation)
        return schema


def _declare_common_answers(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if operation.get("security"):
        responses.setdefault(401, _UNAUTHORIZED)
    if operation.get("parameters") or operation.get("requestBody"):
        responses.setdefault(422, _UNPROCESSABLE)


api = PonteAPI(
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
