"""The user's own APIs (Auth0 resource servers other than the Management API).

``config`` reads their declaration (ini ``auth0_apis``), ``openapi`` their scopes from an
OpenAPI document's ``security`` requirements, ``marker`` checks ``m2m_scopes`` markers,
``replay`` makes their placeholder tokens and serves the key that verifies them.
"""
