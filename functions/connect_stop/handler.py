"""Connect flow Lambda: stop (pause) transcription; place it immediately before 'Stop media streaming'."""

from connect_transcribe.control import connect_flow
from connect_transcribe.wiring.flow import FlowLambda

flow = FlowLambda("stop", connect_flow.stop_request, connect_flow.STOP_PATH)
handler = flow.handler
