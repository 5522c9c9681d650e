"""A small user-administration service over the Auth0 Management API."""
