// Uses both of the project's own versions, so the compiler binds to them, not to the task's.
var stamp = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1 };
System.Console.WriteLine($"{stamp} {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}");
