"""A pack speaking the Analyzer protocol from before ConfigureStack: that call is unimplemented."""

import sys
import time
from concurrent import futures

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc


class OldAnalyzer(analyzer_pb2_grpc.AnalyzerServicer):
    def GetAnalyzerInfo(self, request, context):  # noqa: N802 (gRPC method name)
        return analyzer_pb2.AnalyzerInfo(name="before-configure-stack", supportsConfig=True)

    def Configure(self, request, context):  # noqa: N802 (gRPC method name)
        return empty_pb2.Empty()

    def Analyze(self, request, context):  # noqa: N802 (gRPC method name)
        return analyzer_pb2.AnalyzeResponse()

    def AnalyzeStack(self, request, context):  # noqa: N802 (gRPC method name)
        return analyzer_pb2.AnalyzeResponse()


server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
analyzer_pb2_grpc.add_AnalyzerServicer_to_server(OldAnalyzer(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
sys.stdout.write(f"{port}\n")
sys.stdout.flush()
while True:
    time.sleep(3600)
