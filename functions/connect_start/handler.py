"""Connect flow Lambda: start (or resume) transcription; place it after 'Start media streaming'."""

from connect_transcribe.flow_lambda import FlowLambda
from connect_transcribe.logic import connect_flow

flow = FlowLambda("start", connect_flow.start_request, connect_flow.START_PATH)
handler = flow.handler
