using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>A model input or output as ONNX Runtime sees it; unknown dimensions are null.</summary>
public sealed record OrtTensorSpec(string Name, DataType ElementType, long?[] Dims);

/// <summary>
/// One ONNX Runtime session over a model file or an in-memory model. Every ONNX Runtime error is
/// reported as <see cref="ErrorCode.RuntimeFailed"/> naming the model.
/// </summary>
public sealed class OrtModelRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _displayName;

    private OrtModelRunner(InferenceSession session, string displayName, OrtSessionSettings settings)
    {
        _session = session;
        _displayName = displayName;
        Settings = settings;
        Inputs = Specs(session.InputNames, session.InputMetadata);
        Outputs = Specs(session.OutputNames, session.OutputMetadata);
        var inputNames = session.InputNames.ToHashSet(StringComparer.Ordinal);
        _folded = session.ModelMetadata.CustomMetadataMap.TryGetValue(SpecializedInputs.Key, out string? text)
            ? SpecializedInputs.Parse(text).Keys.Where(n => !inputNames.Contains(n)).ToHashSet(StringComparer.Ordinal)
            : [];
    }

    // Inputs freeze folded in (a bound sample rate): callers built their feeds from the original
    // model, which still has them, and the same feeds must run both models.
    private readonly HashSet<string> _folded;

    /// <summary>The inputs the session expects (initializers that are also graph inputs are not listed).</summary>
    public IReadOnlyList<OrtTensorSpec> Inputs { get; }

    public IReadOnlyList<OrtTensorSpec> Outputs { get; }

    /// <summary>The session options this runner was opened with (reports state them beside latency).</summary>
    public OrtSessionSettings Settings { get; }

    public static OrtModelRunner FromFile(string path, OrtSessionSettings? settings = null) =>
        Create(path, options => new InferenceSession(Path.GetFullPath(path), options), settings);

    /// <summary>A session over serialized model bytes; the model must not use external data.</summary>
    public static OrtModelRunner FromBytes(byte[] modelBytes, string displayName, OrtSessionSettings? settings = null) =>
        Create(displayName, options => new InferenceSession(modelBytes, options), settings);

    /// <summary>A session over the IR as it is now, without writing a file.</summary>
    public static OrtModelRunner FromModel(Model model, OrtSessionSettings? settings = null) =>
        FromBytes(ModelWriter.ToProto(model).ToByteArray(), DisplayName(model), settings);

    internal static string DisplayName(Model model) => model.SourcePath ?? "(in-memory model)";

    private static OrtModelRunner Create(string displayName, Func<SessionOptions, InferenceSession> open, OrtSessionSettings? settings)
    {
        settings ??= OrtSessionSettings.Default;
        settings.EnsureAvailable(displayName);
        SessionOptions created;
        try
        {
            created = settings.CreateOptions();
        }
        catch (OnnxRuntimeException e)
        {
            // Listed as built in, but its native libraries (CUDA, cuDNN, a driver) could not be loaded.
            throw new ModelOptException(ErrorCode.ExecutionProviderUnavailable, displayName, $"ONNX Runtime could not start the execution provider '{settings.ExecutionProvider}': {e.Message}", e);
        }
        using var options = created;
        try
        {
            return new OrtModelRunner(open(options), displayName, settings);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(ErrorCode.RuntimeFailed, displayName, $"ONNX Runtime could not load the model: {e.Message}", e);
        }
    }

    /// <summary>Runs once and returns the requested outputs (all outputs when <paramref name="outputNames"/> is null), in that order.</summary>
    public IReadOnlyList<TensorData> Run(IReadOnlyList<TensorData> inputs, IReadOnlyList<string>? outputNames = null)
    {
        outputNames ??= Outputs.Select(o => o.Name).ToArray();
        return RunReading(inputs, outputNames, FromOrtValue);
    }

    /// <summary>
    /// Runs once and returns only the type and shape of each requested output: each native value
    /// is released as soon as it is read, and no values are copied.
    /// </summary>
    public IReadOnlyList<(string Name, DataType ElementType, long[] Shape)> RunForShapes(IReadOnlyList<TensorData> inputs, IReadOnlyList<string> outputNames) =>
        RunReading<(string, DataType, long[])?>(inputs, outputNames, (name, value) =>
        {
            if (!value.IsTensor) return null;
            var info = value.GetTensorTypeAndShape();
            return (name, (DataType)(int)info.ElementDataType, info.Shape);
        }).OfType<(string, DataType, long[])>().ToList();

    // Each native output is read and released before the next: with hundreds of activations handed
    // back, keeping all of them until the last is read would hold every value twice at once.
    private List<T> RunReading<T>(IReadOnlyList<TensorData> inputs, IReadOnlyList<string> outputNames, Func<string, OrtValue, T> read)
    {
        if (_folded.Count > 0) inputs = inputs.Where(i => !_folded.Contains(i.Name)).ToList();
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var input in inputs) values.Add(ToOrtValue(input));
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, outputNames.ToArray());
            var outputs = new List<T>(results.Count);
            for (int i = 0; i < results.Count; i++)
            {
                outputs.Add(read(outputNames[i], results[i]));
                results[i].Dispose();
            }
            return outputs;
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(ErrorCode.RuntimeFailed, _displayName, $"ONNX Runtime failed to run the model: {e.Message}", e);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Stops profiling (see <see cref="OrtSessionSettings.ProfilePathPrefix"/>) and returns the profile file.</summary>
    public string EndProfiling() => _session.EndProfiling();

    public void Dispose() => _session.Dispose();

    private static OrtValue ToOrtValue(TensorData data)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)data.ElementType, data.Shape);
        data.Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private TensorData FromOrtValue(string name, OrtValue value)
    {
        if (!value.IsTensor)
            throw new ModelOptException(ErrorCode.RuntimeFailed, _displayName, $"output '{name}' is a {value.OnnxType}, not a tensor; ModelOpt compares tensors only.");
        var info = value.GetTensorTypeAndShape();
        var type = (DataType)(int)info.ElementDataType;
        if (type == DataType.String)
            throw new ModelOptException(ErrorCode.RuntimeFailed, _displayName, $"output '{name}' holds strings, which ModelOpt does not compare.");
        return new TensorData(name, type, info.Shape, value.GetTensorMutableRawData().ToArray());
    }

    private static OrtTensorSpec[] Specs(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        names.Select(name => (Key: name, Value: metadata[name])).Select(kv => new OrtTensorSpec(
            kv.Key,
            kv.Value.IsTensor ? (DataType)(int)kv.Value.ElementDataType : DataType.Undefined,
            kv.Value.IsTensor ? kv.Value.Dimensions.Select(d => d >= 0 ? (long?)d : null).ToArray() : [])).ToArray();
}
