from . import bp


@bp.get("/inbox")
def inbox():
    return "TODO"


@bp.get("/manage/requests")
def requests():
    return "TODO"


@bp.get("/manage/workload")
def workload():
    return "TODO"

