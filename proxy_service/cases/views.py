from . import bp


@bp.get("/cases")
def index():
    return "TODO"

