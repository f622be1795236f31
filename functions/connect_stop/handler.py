"""Connect flow Lambda: stop (pause) transcription; place it immediately before 'Stop media streaming'."""

from connect_transcribe.flow_lambda import FlowLambda
from connect_transcribe.logic import connect_flow

flow = FlowLambda("stop", connect_flow.stop_request, connect_flow.STOP_PATH)
handler = flow.handler
