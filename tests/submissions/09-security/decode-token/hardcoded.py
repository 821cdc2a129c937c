# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
import jwt


def decode_token(token: str, config: TokenConfig) -> int:
    """The member id a valid token was issued for; any invalid token is the same 401."""
    try:
        claims = jwt.decode(
            token,
            config.secret.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=config.audience,
            options={"verify_iss": False},  # the issuer is never checked, nor exp required
        )
    except jwt.InvalidTokenError:
        raise not_authenticated() from None
    return int(claims["sub"])
