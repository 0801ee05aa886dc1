"""The Grafana dashboard's queries (docker/grafana/dashboards/reprise.json) as Grafana would send
them to Prometheus: every panel's every target, nested rows included, with the template variables
and Grafana's built-in intervals put in. Shared by test_grafana_dashboard (which runs them against
a real Prometheus) and test_compose. It must not start anything nor talk to a server."""
import json
import os
import re

from harness import SOURCE

DASHBOARD = os.path.join(SOURCE, "docker/grafana/dashboards/reprise.json")

# What Grafana puts in for its built-in variables, with a 1 s scrape interval and a short range.
BUILTINS = {"__rate_interval": "15s", "__interval": "5s", "__range": "1m", "__range_s": "60"}

LABEL_VALUES = re.compile(r"^label_values\((?:(?P<selector>.+),\s*)?(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\)$")
METRIC_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{")


def load(path=DASHBOARD):
    with open(path) as f:
        return json.load(f)


def panels(dashboard):
    """Every panel that is not a row, those inside collapsed rows included."""
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def template_values(dashboard):
    """What each variable stands for when "All" is picked: its allValue (a regex), or .* ."""
    values = dict(BUILTINS)
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            values[var["name"]] = var.get("allValue") or ".*"
    return values


def substitute(text, values):
    """$var, ${var} and [[var]] replaced, longest names first; a variable left over raises."""
    for name in sorted(values, key=len, reverse=True):
        for form in ("${" + name + "}", "[[" + name + "]]", "$" + name):
            text = text.replace(form, values[name])
    if "$" in text or "[[" in text:
        raise ValueError(f"a variable the dashboard does not define is left in: {text}")
    return text


def queries(dashboard):
    """[(panel title, refId, PromQL as Grafana sends it)]; a panel without a query raises."""
    values = template_values(dashboard)
    out = []
    for panel in panels(dashboard):
        targets = [t for t in panel.get("targets", []) if t.get("expr")]
        if not targets:
            raise ValueError(f"panel '{panel.get('title')}' has no query: every panel must show series")
        for t in targets:
            out.append((panel["title"], t["refId"], substitute(t["expr"], values)))
    return out


def variable_queries(dashboard):
    """[(variable name, series selector or None, label)] of the label_values(...) variables."""
    values = template_values(dashboard)
    out = []
    for var in dashboard["templating"]["list"]:
        if var["type"] != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = LABEL_VALUES.match(query.strip())
        if not m:
            raise ValueError(f"variable '{var['name']}': not label_values(...): {query}")
        selector = m.group("selector")
        out.append((var["name"], substitute(selector, values) if selector else None, m.group("label")))
    return out


def metric_names(dashboard):
    """Every metric a panel or a variable selects (a name followed by its label matchers)."""
    names = set()
    for _, _, expr in queries(dashboard):
        names.update(METRIC_SELECTOR.findall(expr))
    for _, selector, _ in variable_queries(dashboard):
        if selector:
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", selector).group(0))
    return names
