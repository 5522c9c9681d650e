"""Request body schemas of the emulated write operations (generated once from Auth0's OpenAPI spec).

Only what the emulator validates: top-level property names, their JSON types, required names,
whether unknown properties are allowed, and the description Auth0 quotes in its 400 messages;
and the length limits on path parameters. Regenerate by reading ``requestBody`` and the path
``parameters`` of the operations in ``management-api-oas.json``.
"""

from __future__ import annotations

# operation_id -> (required, additional_properties_allowed, {property: (json_types, description)})
SCHEMAS: dict[str, tuple[tuple[str, ...], bool, dict[str, tuple[tuple[str, ...], str]]]] = {
    "post_client-grants": (
        ("audience",),
        False,
        {
            "client_id": (("string",), "ID of the client."),
            "audience": (("string",), "The audience (API identifier) of this client grant"),
            "default_for": (
                ("string",),
                "Applies this client grant as the default for all "
                "clients in the specified group. The only accepted "
                "value is <a...",
            ),
            "organization_usage": (
                ("string",),
                "Defines whether organizations can be used with "
                "client credentials exchanges for this grant.",
            ),
            "allow_any_organization": (
                ("boolean",),
                "If enabled, any organization can be used "
                "with this grant. If disabled (default), the "
                "grant must be explicitly assigned to the "
                "desired organizations.",
            ),
            "scope": (("array",), "Scopes allowed for this client grant."),
            "subject_type": (
                ("string",),
                "The type of application access the client grant allows.",
            ),
            "authorization_details_types": (
                ("array",),
                "Types of authorization_details allowed for this client grant.",
            ),
            "allow_all_scopes": (
                ("boolean",),
                "If enabled, all scopes configured on the resource "
                "server are allowed for this grant.",
            ),
        },
    ),
    "patch_client-grants_by_id": (
        (),
        False,
        {
            "scope": (("array", "null"), "Scopes allowed for this client grant."),
            "organization_usage": (
                ("string", "null"),
                "Controls how organizations may be used with this grant",
            ),
            "allow_any_organization": (
                ("boolean", "null"),
                "Controls allowing any organization to be used with this grant",
            ),
            "authorization_details_types": (
                ("array",),
                "Types of authorization_details allowed for this client grant.",
            ),
            "allow_all_scopes": (
                ("boolean", "null"),
                "If enabled, all scopes configured on the "
                "resource server are allowed for this "
                "grant.",
            ),
        },
    ),
    "post_clients": (
        ("name",),
        False,
        {
            "name": (
                ("string",),
                "Name of this client (min length: 1 character, does not allow `<` or `>`).",
            ),
            "description": (
                ("string",),
                "Free text description of this client (max length: 140 characters).",
            ),
            "logo_uri": (
                ("string",),
                "URL of the logo to display for this client. Recommended size is 150x150 pixels.",
            ),
            "callbacks": (
                ("array",),
                "Comma-separated list of URLs whitelisted for Auth0 to use as a "
                "callback to the client after authentication.",
            ),
            "oidc_logout": (("object",), "Configuration for OIDC backchannel logout"),
            "oidc_backchannel_logout": (("object",), "Configuration for OIDC backchannel logout"),
            "session_transfer": (("object", "null"), "Native to Web SSO Configuration"),
            "allowed_origins": (
                ("array",),
                "Comma-separated list of URLs allowed to make requests "
                "from JavaScript to Auth0 API (typically used with CORS). "
                "By default, all your callback URLs will be...",
            ),
            "web_origins": (
                ("array",),
                "Comma-separated list of allowed origins for use with <a "
                "href='https://auth0.com/docs/cross-origin-authentication'>Cross-Origin "
                "Authentication</a>, <a...",
            ),
            "client_aliases": (
                ("array",),
                "List of audiences/realms for SAML protocol. Used by the wsfed addon.",
            ),
            "allowed_clients": (
                ("array",),
                "List of allow clients and API ids that are allowed to "
                "make delegation requests. Empty means all all your "
                "clients are allowed.",
            ),
            "allowed_logout_urls": (
                ("array",),
                "Comma-separated list of URLs that are valid to "
                "redirect to after logout from Auth0. Wildcards are "
                "allowed for subdomains.",
            ),
            "grant_types": (
                ("array",),
                "List of grant types supported for this application. Can "
                "include `authorization_code`, `implicit`, `refresh_token`, "
                "`client_credentials`, `password`,...",
            ),
            "token_endpoint_auth_method": (
                ("string",),
                "Defines the requested authentication method "
                "for the token endpoint. Can be `none` (public "
                "client without a client secret), "
                "`client_secret_post` (client uses...",
            ),
            "is_token_endpoint_ip_header_trusted": (
                ("boolean",),
                "If true, trust that the IP specified "
                "in the `auth0-forwarded-for` header "
                "is the end-user's IP for "
                "brute-force-protection on token "
                "endpoint.",
            ),
            "app_type": (("string",), "The type of application this client represents"),
            "is_first_party": (("boolean",), "Whether this client a first party client or not"),
            "oidc_conformant": (
                ("boolean",),
                "Whether this client conforms to <a "
                "href='https://auth0.com/docs/api-auth/tutorials/adoption'>strict "
                "OIDC specifications</a> (true) or uses legacy "
                "features...",
            ),
            "jwt_configuration": (("object",), "Configuration related to JWTs for the client."),
            "encryption_key": (
                ("object", "null"),
                "Encryption used for WsFed responses with this client.",
            ),
            "sso": (
                ("boolean",),
                "Applies only to SSO clients and determines whether Auth0 will handle "
                "Single Sign On (true) or whether the Identity Provider will "
                "(false).",
            ),
            "cross_origin_authentication": (
                ("boolean",),
                "Whether this client can be used to make "
                "cross-origin authentication requests (true) "
                "or it is not allowed to make such requests "
                "(false).",
            ),
            "cross_origin_loc": (
                ("string",),
                "URL of the location in your site where the cross origin "
                "verification takes place for the cross-origin auth flow "
                "when performing Auth in your own domain...",
            ),
            "sso_disabled": (
                ("boolean",),
                "<code>true</code> to disable Single Sign On, "
                "<code>false</code> otherwise (default: <code>false</code>)",
            ),
            "custom_login_page_on": (
                ("boolean",),
                "<code>true</code> if the custom login page is to be "
                "used, <code>false</code> otherwise. Defaults to "
                "<code>true</code>",
            ),
            "custom_login_page": (
                ("string",),
                "The content (HTML, CSS, JS) of the custom login page.",
            ),
            "custom_login_page_preview": (
                ("string",),
                "The content (HTML, CSS, JS) of the custom login page. (Used on Previews)",
            ),
            "form_template": (("string",), "HTML form template to be used for WS-Federation."),
            "addons": (
                ("object",),
                "Addons enabled for this client and their associated configurations.",
            ),
            "client_metadata": (
                ("object",),
                "Metadata associated with the client, in the form of an "
                "object with string values (max 255 chars).  Maximum of "
                "10 metadata properties allowed.  Field names...",
            ),
            "mobile": (("object",), "Additional configuration for native mobile apps."),
            "initiate_login_uri": (("string",), "Initiate login uri, must be https"),
            "native_social_login": (("object",), "Configure native social settings"),
            "fedcm_login": (("object",), "Configure FedCM login settings for New Universal Login"),
            "refresh_token": (("object", "null"), "Refresh token configuration"),
            "default_organization": (
                ("object", "null"),
                "Defines the default Organization ID and flows",
            ),
            "organization_usage": (
                ("string",),
                "Defines how to proceed during an authentication "
                "transaction with regards an organization. Can be "
                "`deny` (default), `allow` or `require`.",
            ),
            "organization_require_behavior": (
                ("string",),
                "Defines how to proceed during an "
                "authentication transaction when "
                "`client.organization_usage: 'require'`. "
                "Can be `no_prompt` (default), "
                "`pre_login_prompt` or...",
            ),
            "organization_discovery_methods": (
                ("array",),
                "Defines the available methods for "
                "organization discovery during the "
                "`pre_login_prompt`. Users can discover "
                "their organization either by `email`,...",
            ),
            "client_authentication_methods": (
                ("object",),
                "Defines client authentication methods.",
            ),
            "require_pushed_authorization_requests": (
                ("boolean",),
                "Makes the use of Pushed Authorization Requests mandatory for this client",
            ),
            "require_proof_of_possession": (
                ("boolean",),
                "Makes the use of Proof-of-Possession mandatory for this client",
            ),
            "signed_request_object": (
                ("object",),
                "JWT-secured Authorization Requests (JAR) settings.",
            ),
            "token_vault_privileged_access": (
                ("object",),
                "Settings for Token Vault Privileged Access.",
            ),
            "compliance_level": (
                ("string", "null"),
                "Defines the compliance level for this client, which may "
                "restrict it's capabilities",
            ),
            "skip_non_verifiable_callback_uri_confirmation_prompt": (
                ("boolean",),
                "Controls whether a "
                "confirmation prompt "
                "is shown during "
                "login flows when "
                "the redirect URI "
                "uses non-verifiable "
                "callback URIs (for "
                "example, a custom "
                "URI schema...",
            ),
            "token_exchange": (("object",), "Configuration for token exchange."),
            "par_request_expiry": (
                ("integer", "null"),
                "Specifies how long, in seconds, a Pushed Authorization Request URI remains valid",
            ),
            "token_quota": (("object",), ""),
            "resource_server_identifier": (
                ("string",),
                "The identifier of the resource server that this client is linked to.",
            ),
            "third_party_security_mode": (
                ("string",),
                "Security mode for third-party clients. `strict` enforces <a...",
            ),
            "redirection_policy": (
                ("string",),
                "Controls whether Auth0 redirects users to the "
                "application's callback URL on authentication errors "
                "or in email verification flows. "
                "`open_redirect_protection`...",
            ),
            "express_configuration": (
                ("object",),
                "Application specific configuration for use with "
                "the OIN Express Configuration feature.",
            ),
            "my_organization_configuration": (
                ("object",),
                "Configuration related to the My Organization Configuration for the client.",
            ),
            "async_approval_notification_channels": (
                ("array",),
                "Array of notification channels for "
                "contacting the user when their "
                "approval is required. Valid values "
                "are `guardian-push`, `email`.",
            ),
        },
    ),
    "patch_clients_by_id": (
        (),
        False,
        {
            "name": (
                ("string",),
                "The name of the client. Must contain at least one character. "
                "Does not allow '<' or '>'.",
            ),
            "description": (
                ("string",),
                "Free text description of the purpose of the Client. "
                "(Max character length: <code>140</code>)",
            ),
            "client_secret": (("string",), "The secret used to sign tokens for the client"),
            "logo_uri": (("string",), "The URL of the client logo (recommended size: 150x150)"),
            "callbacks": (
                ("array",),
                "A set of URLs that are valid to call back from Auth0 when authenticating users",
            ),
            "oidc_logout": (("object",), "Configuration for OIDC backchannel logout"),
            "oidc_backchannel_logout": (("object",), "Configuration for OIDC backchannel logout"),
            "session_transfer": (("object", "null"), "Native to Web SSO Configuration"),
            "allowed_origins": (("array",), "A set of URLs that represents valid origins for CORS"),
            "web_origins": (
                ("array",),
                "A set of URLs that represents valid web origins for "
                "use with web message response mode",
            ),
            "grant_types": (
                ("array",),
                "A set of grant types that the client is authorized to "
                "use. Can include `authorization_code`, `implicit`, "
                "`refresh_token`, `client_credentials`, "
                "`password`,...",
            ),
            "client_aliases": (("array",), "List of audiences for SAML protocol"),
            "allowed_clients": (
                ("array",),
                "Ids of clients that will be allowed to perform "
                "delegation requests. Clients that will be allowed "
                "to make delegation request. By default, all your "
                "clients...",
            ),
            "allowed_logout_urls": (
                ("array",),
                "URLs that are valid to redirect to after logout from Auth0",
            ),
            "jwt_configuration": (("object",), "Configuration related to JWTs for the client."),
            "encryption_key": (
                ("object", "null"),
                "Encryption used for WsFed responses with this client.",
            ),
            "sso": (
                ("boolean",),
                "<code>true</code> to use Auth0 instead of the IdP to do "
                "Single Sign On, <code>false</code> otherwise (default: "
                "<code>false</code>)",
            ),
            "cross_origin_authentication": (
                ("boolean",),
                "<code>true</code> if this client can "
                "be used to make cross-origin "
                "authentication requests, "
                "<code>false</code> otherwise if cross "
                "origin is disabled",
            ),
            "cross_origin_loc": (
                ("string", "null"),
                "URL for the location in your site where the "
                "cross origin verification takes place for the "
                "cross-origin auth flow when performing Auth in "
                "your own domain...",
            ),
            "sso_disabled": (
                ("boolean",),
                "<code>true</code> to disable Single Sign On, "
                "<code>false</code> otherwise (default: "
                "<code>false</code>)",
            ),
            "custom_login_page_on": (
                ("boolean",),
                "<code>true</code> if the custom login page "
                "is to be used, <code>false</code> "
                "otherwise.",
            ),
            "token_endpoint_auth_method": (
                ("string", "null"),
                "Defines the requested authentication "
                "method for the token endpoint. Can be "
                "`none` (public client without a client "
                "secret), `client_secret_post` (client "
                "uses...",
            ),
            "is_token_endpoint_ip_header_trusted": (
                ("boolean",),
                "If true, trust that the IP "
                "specified in the "
                "`auth0-forwarded-for` header "
                "is the end-user's IP for "
                "brute-force-protection on "
                "token endpoint.",
            ),
            "app_type": (("string",), "The type of application this client represents"),
            "is_first_party": (("boolean",), "Whether this client a first party client or not"),
            "oidc_conformant": (
                ("boolean",),
                "Whether this client will conform to strict OIDC specifications",
            ),
            "custom_login_page": (
                ("string",),
                "The content (HTML, CSS, JS) of the custom login page",
            ),
            "custom_login_page_preview": (("string",), ""),
            "token_quota": (("object", "null"), ""),
            "form_template": (("string",), "Form template for WS-Federation protocol"),
            "addons": (
                ("object",),
                "Addons enabled for this client and their associated configurations.",
            ),
            "client_metadata": (
                ("object",),
                "Metadata associated with the client, in the form "
                "of an object with string values (max 255 chars).  "
                "Maximum of 10 metadata properties allowed.  Field "
                "names...",
            ),
            "mobile": (("object",), "Additional configuration for native mobile apps."),
            "initiate_login_uri": (("string",), "Initiate login uri, must be https"),
            "native_social_login": (("object", "null"), "Configure native social settings"),
            "fedcm_login": (
                ("object", "null"),
                "Configure FedCM login settings for New Universal Login",
            ),
            "refresh_token": (("object", "null"), "Refresh token configuration"),
            "default_organization": (
                ("object", "null"),
                "Defines the default Organization ID and flows",
            ),
            "organization_usage": (
                ("string", "null"),
                "Defines how to proceed during an "
                "authentication transaction with regards an "
                "organization. Can be `deny` (default), `allow` "
                "or `require`.",
            ),
            "organization_require_behavior": (
                ("string", "null"),
                "Defines how to proceed during an "
                "authentication transaction when "
                "`client.organization_usage: "
                "'require'`. Can be `no_prompt` "
                "(default), `pre_login_prompt` "
                "or...",
            ),
            "organization_discovery_methods": (
                ("array", "null"),
                "Defines the available methods for "
                "organization discovery during the "
                "`pre_login_prompt`. Users can "
                "discover their organization either "
                "by `email`,...",
            ),
            "client_authentication_methods": (
                ("object", "null"),
                "Defines client authentication methods.",
            ),
            "require_pushed_authorization_requests": (
                ("boolean",),
                "Makes the use of Pushed Authorization Requests mandatory for this client",
            ),
            "require_proof_of_possession": (
                ("boolean",),
                "Makes the use of Proof-of-Possession mandatory for this client",
            ),
            "signed_request_object": (
                ("object",),
                "JWT-secured Authorization Requests (JAR) settings.",
            ),
            "token_vault_privileged_access": (
                ("object",),
                "Settings for Token Vault Privileged Access.",
            ),
            "compliance_level": (
                ("string", "null"),
                "Defines the compliance level for this client, "
                "which may restrict it's capabilities",
            ),
            "skip_non_verifiable_callback_uri_confirmation_prompt": (
                ("boolean", "null"),
                "Controls "
                "whether a "
                "confirmation "
                "prompt is "
                "shown during "
                "login flows "
                "when the "
                "redirect URI "
                "uses "
                "non-verifiable "
                "callback "
                "URIs (for "
                "example, a "
                "custom URI "
                "schema...",
            ),
            "token_exchange": (("object", "null"), "Configuration for token exchange."),
            "par_request_expiry": (
                ("integer", "null"),
                "Specifies how long, in seconds, a Pushed Authorization Request URI remains valid",
            ),
            "express_configuration": (
                ("object", "null"),
                "Application specific configuration for use "
                "with the OIN Express Configuration "
                "feature.",
            ),
            "my_organization_configuration": (
                ("object", "null"),
                "Configuration related to the My Organization Configuration for the client.",
            ),
            "async_approval_notification_channels": (
                ("array", "null"),
                "Array of notification "
                "channels for contacting the "
                "user when their approval is "
                "required. Valid values are "
                "`guardian-push`, `email`.",
            ),
            "third_party_security_mode": (
                ("string",),
                "Security mode for third-party clients. `strict` enforces <a...",
            ),
            "redirection_policy": (
                ("string",),
                "Controls whether Auth0 redirects users to the "
                "application's callback URL on authentication "
                "errors or in email verification flows. "
                "`open_redirect_protection`...",
            ),
        },
    ),
    "post_connections": (
        ("name", "strategy"),
        False,
        {
            "name": (
                ("string",),
                "The name of the connection. Must start and end with an "
                "alphanumeric character and can only contain alphanumeric "
                "characters and '-'. Max length 128",
            ),
            "display_name": (
                ("string",),
                "Connection name used in the new universal login experience",
            ),
            "strategy": (("string",), "The identity provider identifier for the connection"),
            "options": (
                ("object",),
                "The connection's options (depend on the connection strategy)",
            ),
            "enabled_clients": (
                ("array",),
                "Use of this property is NOT RECOMMENDED. Use the "
                "PATCH /v2/connections/{id}/clients endpoint to "
                "enable the connection for a set of clients.",
            ),
            "is_domain_connection": (
                ("boolean",),
                "<code>true</code> promotes to a domain-level "
                "connection so that third-party applications can "
                "use it. <code>false</code> does not promote the "
                "connection, so...",
            ),
            "show_as_button": (
                ("boolean",),
                "Enables showing a button for the connection in the "
                "login page (new experience only). If false, it will "
                "be usable only by HRD. (Defaults to "
                "<code>false</code>.)",
            ),
            "realms": (
                ("array",),
                "Defines the realms for which the connection will be used (ie: "
                "email domains). If the array is empty or the property is not "
                "specified, the connection name...",
            ),
            "metadata": (
                ("object",),
                "Metadata associated with the connection in the form of an "
                "object with string values (max 255 chars).  Maximum of 10 "
                "metadata properties allowed.",
            ),
            "authentication": (
                ("object",),
                "Configure the purpose of a connection to be used for authentication during login.",
            ),
            "connected_accounts": (
                ("object",),
                "Configure the purpose of a connection to be used "
                "for connected accounts and Token Vault.",
            ),
            "cross_app_access_requesting_app": (
                ("object",),
                "Configure the connection to be used "
                "as a Requesting Application for "
                "Cross App Access.",
            ),
        },
    ),
    "patch_connections_by_id": (
        (),
        False,
        {
            "display_name": (
                ("string",),
                "The connection name used in the new universal "
                "login experience. If display_name is not "
                "included in the request, the field will be "
                "overwritten with the name...",
            ),
            "options": (
                ("object", "null"),
                "The connection's options (depend on the connection "
                "strategy). To update these options, the "
                "`update:connections_options` scope must be present. "
                "To verify...",
            ),
            "enabled_clients": (
                ("array", "null"),
                "DEPRECATED property. Use the PATCH "
                "/v2/connections/{id}/clients endpoint to "
                "enable or disable the connection for any "
                "clients.",
            ),
            "is_domain_connection": (
                ("boolean",),
                "<code>true</code> promotes to a "
                "domain-level connection so that "
                "third-party applications can use it. "
                "<code>false</code> does not promote the "
                "connection, so...",
            ),
            "show_as_button": (
                ("boolean",),
                "Enables showing a button for the connection in "
                "the login page (new experience only). If "
                "false, it will be usable only by HRD. "
                "(Defaults to <code>false</code>.)",
            ),
            "realms": (
                ("array",),
                "Defines the realms for which the connection will be "
                "used (ie: email domains). If the array is empty or the "
                "property is not specified, the connection name...",
            ),
            "metadata": (
                ("object",),
                "Metadata associated with the connection in the form "
                "of an object with string values (max 255 chars).  "
                "Maximum of 10 metadata properties allowed.",
            ),
            "authentication": (
                ("object",),
                "Configure the purpose of a connection to be used for authentication during login.",
            ),
            "connected_accounts": (
                ("object",),
                "Configure the purpose of a connection to "
                "be used for connected accounts and Token "
                "Vault.",
            ),
            "cross_app_access_requesting_app": (
                ("object",),
                "Configure the connection to "
                "be used as a Requesting "
                "Application for Cross App "
                "Access.",
            ),
        },
    ),
    "post_organizations": (
        ("name",),
        False,
        {
            "name": (("string",), "The name of this organization."),
            "display_name": (("string",), "Friendly name of this organization."),
            "branding": (("object",), "Theme defines how to style the login pages."),
            "metadata": (
                ("object",),
                "Metadata associated with the organization, in the form of "
                "an object with string values (max 255 chars). Maximum of "
                "25 metadata properties allowed.",
            ),
            "enabled_connections": (
                ("array",),
                "Connections that will be enabled for this "
                "organization. See POST enabled_connections "
                "endpoint for the object format. (Max of 10 "
                "connections allowed)",
            ),
            "token_quota": (("object",), ""),
        },
    ),
    "patch_organizations_by_id": (
        (),
        False,
        {
            "display_name": (("string",), "Friendly name of this organization."),
            "name": (("string",), "The name of this organization."),
            "branding": (("object",), "Theme defines how to style the login pages."),
            "metadata": (
                ("object",),
                "Metadata associated with the organization, in the "
                "form of an object with string values (max 255 "
                "chars). Maximum of 25 metadata properties "
                "allowed.",
            ),
            "token_quota": (("object", "null"), ""),
        },
    ),
    "delete_members": (
        ("members",),
        True,
        {"members": (("array",), "List of user IDs to remove from the organization.")},
    ),
    "post_members": (
        ("members",),
        True,
        {"members": (("array",), "List of user IDs to add to the organization as members.")},
    ),
    "post_resource-servers": (
        ("identifier",),
        False,
        {
            "name": (
                ("string",),
                "Friendly name for this resource server. Can not contain `<` or `>` characters.",
            ),
            "identifier": (
                ("string",),
                "Unique identifier for the API used as the audience "
                "parameter on authorization calls. Can not be changed "
                "once set.",
            ),
            "scopes": (("array",), "List of permissions (scopes) that this API uses."),
            "signing_alg": (
                ("string",),
                "Algorithm used to sign JWTs. Can be `HS256` "
                "(default) or `RS256`. `PS256` available via addon.",
            ),
            "signing_secret": (
                ("string",),
                "Secret used to sign tokens when using symmetric algorithms (HS256).",
            ),
            "allow_offline_access": (
                ("boolean",),
                "Whether refresh tokens can be issued for this API (true) or not (false).",
            ),
            "allow_online_access": (
                ("boolean",),
                "Whether Online Refresh Tokens can be issued for this API (true) or not (false).",
            ),
            "allow_online_access_with_ephemeral_sessions": (
                ("boolean",),
                "Whether Online "
                "Refresh Tokens can "
                "be issued even when "
                "sessions are "
                "configured as "
                "ephemeral (true) or "
                "not (false).",
            ),
            "token_lifetime": (
                ("integer",),
                "Expiration value (in seconds) for access tokens "
                "issued for this API from the token endpoint.",
            ),
            "token_dialect": (
                ("string",),
                "Dialect of issued access token. `access_token` is "
                "a JWT containing standard Auth0 claims; "
                "`rfc9068_profile` is a JWT conforming to the IETF "
                "JWT Access Token...",
            ),
            "skip_consent_for_verifiable_first_party_clients": (
                ("boolean",),
                "Whether to skip "
                "user consent "
                "for "
                "applications "
                "flagged as "
                "first party "
                "(true) or not "
                "(false).",
            ),
            "enforce_policies": (
                ("boolean",),
                "Whether to enforce authorization policies (true) or to ignore them (false).",
            ),
            "token_encryption": (("object", "null"), ""),
            "consent_policy": (("string", "null"), ""),
            "authorization_details": (("array", "null"), ""),
            "proof_of_possession": (
                ("object", "null"),
                "Proof-of-Possession configuration for access tokens",
            ),
            "subject_type_authorization": (
                ("object",),
                "Defines application access permission for a resource server",
            ),
            "authorization_policy": (
                ("object", "null"),
                "Authorization policy for the resource server.",
            ),
        },
    ),
    "patch_resource-servers_by_id": (
        (),
        False,
        {
            "name": (
                ("string",),
                "Friendly name for this resource server. Can not contain `<` or `>` characters.",
            ),
            "scopes": (("array",), "List of permissions (scopes) that this API uses."),
            "signing_alg": (
                ("string",),
                "Algorithm used to sign JWTs. Can be `HS256` "
                "(default) or `RS256`. `PS256` available via "
                "addon.",
            ),
            "signing_secret": (
                ("string",),
                "Secret used to sign tokens when using symmetric algorithms (HS256).",
            ),
            "skip_consent_for_verifiable_first_party_clients": (
                ("boolean",),
                "Whether "
                "to skip "
                "user "
                "consent "
                "for "
                "applications "
                "flagged "
                "as first "
                "party "
                "(true) "
                "or not "
                "(false).",
            ),
            "allow_offline_access": (
                ("boolean",),
                "Whether refresh tokens can be issued for this API (true) or not (false).",
            ),
            "allow_online_access": (
                ("boolean",),
                "Whether Online Refresh Tokens can be issued for this API (true) or not (false).",
            ),
            "allow_online_access_with_ephemeral_sessions": (
                ("boolean",),
                "Whether "
                "Online "
                "Refresh "
                "Tokens can "
                "be issued "
                "even when "
                "sessions are "
                "configured "
                "as ephemeral "
                "(true) or "
                "not "
                "(false).",
            ),
            "token_lifetime": (
                ("integer",),
                "Expiration value (in seconds) for access "
                "tokens issued for this API from the token "
                "endpoint.",
            ),
            "token_dialect": (
                ("string",),
                "Dialect of issued access token. "
                "`access_token` is a JWT containing "
                "standard Auth0 claims; `rfc9068_profile` "
                "is a JWT conforming to the IETF JWT Access "
                "Token...",
            ),
            "enforce_policies": (
                ("boolean",),
                "Whether authorization policies are enforced (true) or not enforced (false).",
            ),
            "token_encryption": (("object", "null"), ""),
            "consent_policy": (("string", "null"), ""),
            "authorization_details": (("array", "null"), ""),
            "proof_of_possession": (
                ("object", "null"),
                "Proof-of-Possession configuration for access tokens",
            ),
            "subject_type_authorization": (
                ("object",),
                "Defines application access permission for a resource server",
            ),
            "authorization_policy": (
                ("object", "null"),
                "Authorization policy for the resource server.",
            ),
        },
    ),
    "post_roles": (
        ("name",),
        False,
        {
            "name": (("string",), "Name of the role."),
            "description": (("string",), "Description of the role."),
        },
    ),
    "patch_roles_by_id": (
        (),
        False,
        {
            "name": (("string",), "Name of this role."),
            "description": (("string",), "Description of this role."),
        },
    ),
    "delete_role_permission_assignment": (
        ("permissions",),
        False,
        {
            "permissions": (
                ("array",),
                "array of resource_server_identifier, permission_name pairs.",
            )
        },
    ),
    "post_role_permission_assignment": (
        ("permissions",),
        False,
        {
            "permissions": (
                ("array",),
                "array of resource_server_identifier, permission_name pairs.",
            )
        },
    ),
    "post_role_users": (
        ("users",),
        False,
        {"users": (("array",), "user_id's of the users to assign the role to.")},
    ),
    "post_users": (
        ("connection",),
        False,
        {
            "email": (("string",), "The user's email."),
            "phone_number": (
                ("string",),
                "The user's phone number (following the E.164 recommendation).",
            ),
            "user_metadata": (
                ("object",),
                "Data related to the user that does not affect the "
                "application's core functionality.",
            ),
            "blocked": (
                ("boolean",),
                "Whether this user was blocked by an administrator (true) or not (false).",
            ),
            "email_verified": (
                ("boolean",),
                "Whether this email address is verified (true) or unverified "
                "(false). User will receive a verification email after "
                "creation if `email_verified` is false or...",
            ),
            "phone_verified": (
                ("boolean",),
                "Whether this phone number has been verified (true) or not (false).",
            ),
            "app_metadata": (
                ("object",),
                "Data related to the user that does affect the application's core functionality.",
            ),
            "given_name": (("string",), "The user's given name(s)."),
            "family_name": (("string",), "The user's family name(s)."),
            "name": (("string",), "The user's full name."),
            "nickname": (("string",), "The user's nickname."),
            "picture": (("string",), "A URI pointing to the user's picture."),
            "user_id": (("string",), "The external user's id provided by the identity provider."),
            "connection": (("string",), "Name of the connection this user should be created in."),
            "password": (
                ("string",),
                "Initial password for this user. Only valid for auth0 connection strategy.",
            ),
            "verify_email": (
                ("boolean",),
                "Whether the user will receive a verification email after "
                "creation (true) or no email (false). Overrides behavior of "
                "`email_verified` parameter.",
            ),
            "username": (
                ("string",),
                "The user's username. Only valid if the connection requires a username.",
            ),
        },
    ),
    "patch_users_by_id": (
        (),
        True,
        {
            "blocked": (
                ("boolean",),
                "Whether this user was blocked by an administrator (true) or not (false).",
            ),
            "email_verified": (
                ("boolean",),
                "Whether this email address is verified (true) or "
                "unverified (false). If set to false the user will "
                "not receive a verification email unless "
                "`verify_email` is...",
            ),
            "email": (("string", "null"), "Email address of this user."),
            "phone_number": (
                ("string", "null"),
                "The user's phone number (following the E.164 recommendation).",
            ),
            "phone_verified": (
                ("boolean",),
                "Whether this phone number has been verified (true) or not (false).",
            ),
            "user_metadata": (
                ("object",),
                "Data related to the user that does not affect the "
                "application's core functionality.",
            ),
            "app_metadata": (
                ("object",),
                "Data related to the user that does affect the application's core functionality.",
            ),
            "given_name": (("string", "null"), "Given name/first name/forename of this user."),
            "family_name": (("string", "null"), "Family name/last name/surname of this user."),
            "name": (("string", "null"), "Name of this user."),
            "nickname": (("string", "null"), "Preferred nickname or alias of this user."),
            "picture": (("string", "null"), "URL to picture, photo, or avatar of this user."),
            "verify_email": (
                ("boolean",),
                "Whether this user will receive a verification email "
                "after creation (true) or no email (false). Overrides "
                "behavior of `email_verified` parameter.",
            ),
            "verify_phone_number": (
                ("boolean",),
                "Whether this user will receive a text after "
                "changing the phone number (true) or no text "
                "(false). Only valid when changing phone number "
                "for SMS connections.",
            ),
            "password": (
                ("string", "null"),
                "New password for this user. Only valid for database connections.",
            ),
            "connection": (("string",), "Name of the connection to target for this user update."),
            "client_id": (("string",), "Auth0 client ID. Only valid when updating email address."),
            "username": (
                ("string", "null"),
                "The user's username. Only valid if the connection requires a username.",
            ),
        },
    ),
    "delete_user_roles": (
        ("roles",),
        False,
        {"roles": (("array",), "List of roles IDs to remove from the user.")},
    ),
    "post_user_roles": (
        ("roles",),
        False,
        {"roles": (("array",), "List of roles IDs to associated with the user.")},
    ),
}


# operation_id -> {path parameter: (minLength, maxLength, pattern, description)}; only
# parameters the spec constrains. Auth0 answers a violation with 400 invalid_uri.
PATH_PARAMS: dict[str, dict[str, tuple[int | None, int | None, str | None, str]]] = {
    "get_phone_provider": {"id": (1, 255, None, "")},
    "delete_phone_provider": {"id": (1, 255, None, "")},
    "update_phone_provider": {"id": (1, 255, None, "")},
    "try_phone_provider": {"id": (1, 255, None, "")},
    "get_phone_template": {"id": (1, 255, None, "")},
    "delete_phone_template": {"id": (1, 255, None, "")},
    "update_phone_template": {"id": (1, 255, None, "")},
    "reset_phone_template": {"id": (1, 255, None, "")},
    "try_phone_template": {"id": (1, 255, None, "")},
    "get_event-streams_by_id": {"id": (26, 26, None, "Unique identifier for the event stream.")},
    "delete_event-streams_by_id": {"id": (26, 26, None, "Unique identifier for the event stream.")},
    "patch_event-streams_by_id": {"id": (26, 26, None, "Unique identifier for the event stream.")},
    "get_event_deliveries": {"id": (26, 26, None, "Unique identifier for the event stream.")},
    "get_deliveries_by_event_id": {
        "id": (26, 26, None, "Unique identifier for the event stream."),
        "event_id": (26, 26, None, "Unique identifier for the event"),
    },
    "post_redeliver": {"id": (26, 26, None, "Unique identifier for the event stream.")},
    "post_redeliver_by_event_id": {
        "id": (26, 26, None, "Unique identifier for the event stream."),
        "event_id": (26, 26, None, "Unique identifier for the event"),
    },
    "post_test_event": {"id": (26, 26, None, "Unique identifier for the event stream.")},
    "get_flows_vault_connections_by_id": {"id": (None, 30, None, "Flows Vault connection ID")},
    "delete_flows_vault_connections_by_id": {"id": (None, 30, None, "Vault connection id")},
    "patch_flows_vault_connections_by_id": {"id": (None, 30, None, "Flows Vault connection ID")},
    "get_flows_executions": {"flow_id": (None, 30, None, "Flow id")},
    "get_flows_executions_by_execution_id": {
        "flow_id": (None, 30, None, "Flow id"),
        "execution_id": (None, 30, None, "Flow execution id"),
    },
    "delete_flows_executions_by_execution_id": {
        "flow_id": (None, 30, None, "Flows id"),
        "execution_id": (None, 30, None, "Flow execution identifier"),
    },
    "get_flows_by_id": {"id": (None, 30, None, "Flow identifier")},
    "delete_flows_by_id": {"id": (None, 30, None, "Flow id")},
    "patch_flows_by_id": {"id": (None, 30, None, "Flow identifier")},
    "get_form": {"id": (None, 30, None, "The ID of the form to retrieve.")},
    "delete_form": {"id": (None, 30, None, "The ID of the form to delete.")},
    "patch_form": {"id": (None, 30, None, "The ID of the form to update.")},
    "get_group": {"id": (18, 26, None, "Unique identifier for the group (service-generated).")},
    "delete_group": {"id": (18, 26, None, "Unique identifier for the group (service-generated).")},
    "get_group_members": {
        "id": (18, 26, None, "Unique identifier for the group (service-generated).")
    },
    "get_group_roles": {
        "id": (18, 26, None, "Unique identifier for the group (service-generated).")
    },
    "delete_group_roles": {
        "id": (18, 26, None, "Unique identifier for the group (service-generated).")
    },
    "post_group_roles": {
        "id": (18, 26, None, "Unique identifier for the group (service-generated).")
    },
    "put_factors_by_name": {
        "name": (
            1,
            None,
            None,
            "Factor name. Can be `sms`, `push-notification`, `email`, "
            "`duo` `otp` `webauthn-roaming`, `webauthn-platform`, or "
            "`recovery-code`.",
        )
    },
    "get_network-acls_by_id": {
        "id": (None, 36, None, "The id of the access control list to retrieve.")
    },
    "delete_network-acls_by_id": {"id": (None, 36, None, "The id of the ACL to delete")},
    "patch_network-acls_by_id": {"id": (None, 36, None, "The id of the ACL to update.")},
    "put_network-acls_by_id": {"id": (None, 36, None, "The id of the ACL to update.")},
    "get_name_by_name": {"name": (1, 50, None, "name of the organization to retrieve.")},
    "delete_organizations_by_id": {"id": (None, 50, None, "Organization identifier.")},
    "get_organization-client-grants": {"id": (None, 50, None, "Organization identifier.")},
    "create_organization-client-grants": {"id": (None, 50, None, "Organization identifier.")},
    "delete_client-grants_by_grant_id": {"id": (None, 50, None, "Organization identifier.")},
    "get_organization_connections": {"id": (None, 50, None, "Organization identifier.")},
    "post_organization_connection": {"id": (None, 50, None, "Organization identifier.")},
    "get_organization_connection": {
        "id": (None, 50, None, "Organization identifier."),
        "connection_id": (1, 50, None, "Connection identifier."),
    },
    "delete_organization_connection": {
        "id": (None, 50, None, "Organization identifier."),
        "connection_id": (1, 50, None, "Connection identifier."),
    },
    "patch_organization_connection": {
        "id": (None, 50, None, "Organization identifier."),
        "connection_id": (1, 50, None, "Connection identifier."),
    },
    "get_name_by_discovery_domain": {
        "discovery_domain": (3, 255, None, "Domain name of the discovery domain.")
    },
    "get_enabled_connections": {"id": (None, 50, None, "Organization identifier.")},
    "post_enabled_connections": {"id": (None, 50, None, "Organization identifier.")},
    "get_enabled_connections_by_connectionId": {
        "id": (None, 50, None, "Organization identifier."),
        "connectionId": (1, 50, None, "Connection identifier."),
    },
    "delete_enabled_connections_by_connectionId": {
        "id": (None, 50, None, "Organization identifier."),
        "connectionId": (1, 50, None, "Connection identifier."),
    },
    "patch_enabled_connections_by_connectionId": {
        "id": (None, 50, None, "Organization identifier."),
        "connectionId": (1, 50, None, "Connection identifier."),
    },
    "get_invitations": {"id": (None, 50, None, "Organization identifier.")},
    "post_invitations": {"id": (None, 50, None, "Organization identifier.")},
    "get_invitations_by_invitation_id": {"id": (None, 50, None, "Organization identifier.")},
    "delete_invitations_by_invitation_id": {"id": (None, 50, None, "Organization identifier.")},
    "get_organization_members": {"id": (None, 50, None, "Organization identifier.")},
    "delete_members": {"id": (None, 50, None, "Organization identifier.")},
    "post_members": {"id": (None, 50, None, "Organization identifier.")},
    "get_organization_member_effective_roles": {"id": (None, 50, None, "Organization identifier.")},
    "get_organization_member_role_source_groups": {
        "id": (None, 50, None, "Organization identifier.")
    },
    "get_organization_member_roles": {"id": (None, 50, None, "Organization identifier.")},
    "delete_organization_member_roles": {"id": (None, 50, None, "Organization identifier.")},
    "post_organization_member_roles": {"id": (None, 50, None, "Organization identifier.")},
    "get_rate-limit-policies_by_id": {
        "id": (None, 26, None, "Unique identifier for the Rate Limit Policy.")
    },
    "delete_rate-limit-policies_by_id": {
        "id": (None, 26, None, "Unique identifier for the Rate Limit Policy.")
    },
    "patch_rate-limit-policies_by_id": {
        "id": (None, 26, None, "Unique identifier for the Rate Limit Policy.")
    },
    "delete_rules-configs_by_key": {
        "key": (1, 127, None, "Key of the rules config variable to delete.")
    },
    "put_rules-configs_by_key": {
        "key": (
            1,
            127,
            None,
            "Key of the rules config variable to set (max length: 127 characters).",
        )
    },
    "revoke_session": {"id": (None, 50, None, "ID of the session to revoke.")},
    "get_federated-connections-tokensets": {"id": (None, 300, None, "User identifier")},
    "delete_federated-connections-tokensets_by_tokenset_id": {
        "id": (None, 300, None, "Id of the user that owns the tokenset"),
        "tokenset_id": (None, 36, None, "The tokenset id"),
    },
    "post_clear_assessors": {"id": (None, 1024, None, "ID of the user to clear assessors for.")},
    "get_vc_templates_by_id": {"id": (None, 26, None, "ID of the template to retrieve.")},
    "delete_vc_templates_by_id": {"id": (None, 26, None, "ID of the template to retrieve.")},
    "patch_vc_templates_by_id": {"id": (None, 26, None, "ID of the template to retrieve.")},
}
