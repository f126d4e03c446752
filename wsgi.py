import gc

from proxy_service import create_app

app = create_app()
# What the app has built by now (modules, mappers, templates, catalogues) lives as long as the
# process and is never garbage: moved out of the collector's reach, a full collection no longer
# walks its ~200,000 objects again and again while requests come and go (gunicorn loads this
# module in each worker, or once in the master with GUNICORN_PRELOAD, whose forks share it).
gc.freeze()
