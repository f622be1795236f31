"""Connect flow Lambda: start (or resume) transcription; place it after 'Start media streaming'."""

from connect_transcribe.control import connect_flow
from connect_transcribe.wiring.flow import FlowLambda

flow = FlowLambda("start", connect_flow.start_request, connect_flow.START_PATH)
handler = flow.handler
