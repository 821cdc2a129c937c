# workspace: lending/security.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)
import jwt


def decode_token(token: str, config: TokenConfig) -> int:
    """The member id a valid token was issued for; any invalid token is the same 401."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(
            token,
            config.secret.get_secret_value(),
            algorithms=[header["alg"]],  # trusts the token's own header
            options={"verify_aud": False, "verify_iss": False},
        )
    except (jwt.PyJWTError, KeyError):
        raise not_authenticated() from None
    return int(claims["sub"])
