"""Cross-domain events: blinker signals a domain sends once its own work is committed.

A sender never imports its listeners (webhooks, later publishing or notifications): it
sends, and whoever cares subscribes in its `init_app`. Every signal is sent with the
workspace id as sender and two keyword arguments: `event`, the public event type
("render.succeeded"), and `data`, the JSON body the API shows for the object.
Receivers run synchronously in the sender's app context and must not raise.
"""

from blinker import Namespace

_signals = Namespace()

# A generation reached "succeeded" or "failed" (sent by generation.settle).
generation_finished = _signals.signal("generation-finished")
# A project's build ended: "project.ready" or "project.failed" (sent by studio.build).
project_finished = _signals.signal("project-finished")
# A render reached "succeeded" or "failed" (sent by renders.jobs).
render_finished = _signals.signal("render-finished")
# A publication was posted or gave up: "publication.succeeded" / "publication.failed"
# (sent by publishing.jobs).
publication_finished = _signals.signal("publication-finished")
# Inside a credit refresh, before a workspace's balances roll into the next cycle
# (sent by credits with the workspace id only): billing applies a scheduled plan here.
credit_cycle_ending = _signals.signal("credit-cycle-ending")
