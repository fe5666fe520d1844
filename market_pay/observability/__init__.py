"""Request ids, one structured log line per request, and /metrics for Prometheus."""


def init_app(app):
    from . import metrics, request_log

    request_log.configure_logging(app)
    app.before_request(request_log.start_request)

    @app.after_request
    def _after(response):
        return metrics.observe(request_log.finish_request(response))

    app.register_blueprint(metrics.bp)
