"""A small orders API: every route needs an Auth0 access token with the right scope."""
