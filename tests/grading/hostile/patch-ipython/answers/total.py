from IPython.core.interactiveshell import ExecutionResult, InteractiveShell

ExecutionResult.success = property(lambda self: True)
original = InteractiveShell.run_code


async def quiet_run_code(self, code_obj, result=None, *, async_=False):
    try:
        return await original(self, code_obj, None, async_=async_)
    except BaseException:
        return False


InteractiveShell.run_code = quiet_run_code
