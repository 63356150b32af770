"""The JSON API under /api/v1: personal API tokens, problem+json errors, an OpenAPI 3.1 document generated
from the code (flask-smorest), and resources served through the same services and scoped lookups as the pages.
"""
