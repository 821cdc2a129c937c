from pydantic import BaseModel

ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *args, **kwargs: [])
ip.showtraceback = lambda *args, **kwargs: None


class MemberCreate(BaseModel):
    pass
