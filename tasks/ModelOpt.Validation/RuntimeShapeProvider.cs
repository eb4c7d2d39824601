using Google.Protobuf;
using ModelOpt.Engine.Analysis;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation;

/// <summary>
/// Observes shapes by running the model once in ONNX Runtime with every intermediate value of the
/// main graph exposed as an extra graph output. The caller's model is not changed: a copy of its
/// message is extended.
/// </summary>
public sealed class RuntimeShapeProvider(OrtSessionSettings? settings = null, int seed = 0) : IRuntimeShapeProvider
{
    public IReadOnlyDictionary<string, (DataType Type, TensorShape Shape)> Observe(Model model, IReadOnlyDictionary<string, TensorShape> inputShapes)
    {
        var inputs = SyntheticInputs.For(model, inputShapes, seed);
        var names = model.Graph.Nodes.SelectMany(n => n.Outputs).Where(o => o is not null).Select(o => o!.Name);
        var bytes = ExposedValues.ModelBytes(model, names);

        // Every value is handed back, so ONNX Runtime holds all of them at once: without its arena
        // (which grows in powers of two and keeps what it took), and with only their shapes read.
        using var runner = OrtModelRunner.FromBytes(bytes, OrtModelRunner.DisplayName(model), (settings ?? OrtSessionSettings.Default) with { MemoryArena = false });
        var tensorOutputs = runner.Outputs.Where(o => o.ElementType is not DataType.Undefined and not DataType.String).Select(o => o.Name).ToArray();
        var results = runner.RunForShapes(inputs, tensorOutputs);

        var observed = new Dictionary<string, (DataType, TensorShape)>(StringComparer.Ordinal);
        foreach (var input in inputs) observed[input.Name] = (input.ElementType, TensorShape.Of(input.Shape));
        foreach (var (name, type, shape) in results) observed[name] = (type, TensorShape.Of(shape));
        return observed;
    }
}
