"""What the parity oracles say when their imports fail: why, and the command that sets the venv up."""
import sys


def exit_not_importable(exc: Exception) -> None:
    hint = ""
    try:
        import pandas

        if int(pandas.__version__.split(".")[0]) >= 3:
            # evidently 0.7.23 imports pandas.core.dtypes.common.infer_dtype_from_object, gone in pandas 3
            hint = f" (pandas {pandas.__version__} is installed; evidently 0.7.23 needs pandas<3)"
    except Exception:  # noqa: BLE001
        pass
    sys.stderr.write(
        f"evidently is not importable ({type(exc).__name__}: {exc}){hint}; run `bash scripts/services.sh setup`\n"
    )
    sys.exit(3)
