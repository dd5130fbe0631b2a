"""A host app as the PIC API embeds pic-obs: its own routes, its own module loggers."""

import logging
import os

from flask import Flask

import pic_obs

app = Flask("pic_host")
pic_obs.init_app(app)


@app.get("/probe")
def probe():
    # Reads the loggers as they are, without asking pic-obs to refresh anything:
    # what a manager module's log call would see in this worker right now.
    return {
        "pid": os.getpid(),
        "levels": {
            s: logging.getLevelName(pic_obs.get_logger(s).getEffectiveLevel()) for s in pic_obs.SERVICES
        },
    }
