/** The Tracker port: every training run is recorded (params, per-epoch losses, metrics, artifacts, versions). */

