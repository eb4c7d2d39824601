using System.Diagnostics.CodeAnalysis;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Shapes;

/// <summary>What a rule sees of the node it infers: input shapes, types, folded constants, attributes.</summary>
internal sealed class ShapeContext
{
    private readonly FoldedValues _folded;

    public ShapeContext(Node node, long opset, FoldedValues folded)
    {
        Node = node;
        Opset = opset;
        _folded = folded;
    }

    public Node Node { get; }

    /// <summary>The opset version the model imports for the node's domain.</summary>
    public long Opset { get; }

    public int InputCount => Node.Inputs.Count;

    public int OutputCount => Node.Outputs.Count;

    public bool HasInput(int i) => Node.Input(i) is not null;

    public bool HasOutput(int i) => i < Node.Outputs.Count && Node.Outputs[i] is not null;

    public TensorShape? TryShape(int i) => Node.Input(i)?.Shape;

    /// <summary>The shape of input <paramref name="i"/>; gives up on the node when it is not known.</summary>
    public TensorShape Shape(int i)
    {
        var v = Node.Input(i) ?? Fail<Value>($"input {i} is missing");
        return v.Shape ?? Fail<TensorShape>($"the shape of input {i} ('{v.Name}') is unknown");
    }

    public DataType Type(int i) => Node.Input(i)?.ElementType ?? DataType.Undefined;

    /// <summary>The constant or folded value of input <paramref name="i"/>, when small and known.</summary>
    public FoldedTensor? TryValue(int i) => Node.Input(i) is { } v ? _folded.Get(v) : null;

    public FoldedTensor Value(int i)
    {
        var v = Node.Input(i) ?? Fail<Value>($"input {i} is missing");
        return _folded.Get(v) ?? Fail<FoldedTensor>($"input {i} ('{v.Name}') is not a known constant");
    }

    public long[] Ints(int i) => Value(i).AsInt64s();

    public long[]? TryInts(int i) => TryValue(i)?.AsInt64s();

    public long Attr(string name, long fallback) => Node.GetInt(name, fallback);

    public long[]? AttrInts(string name) => Node.GetInts(name);

    public string Attr(string name, string fallback) => Node.GetString(name, fallback);

    public void SetOutput(int i, DataType type, TensorShape shape, FoldedTensor? value = null)
    {
        if (!HasOutput(i)) return;
        var output = Node.Outputs[i]!;
        output.ElementType = type;
        output.Shape = shape;
        output.ShapeSource = ShapeSource.Inferred;
        if (value is not null && value.Count <= FoldedTensor.MaxElements) _folded.Set(output, value);
    }

    /// <summary>Sets the output from a folded value alone (its dims give the shape).</summary>
    public void SetOutput(int i, FoldedTensor value) => SetOutput(i, value.Type, TensorShape.Of(value.Dims), value);

    /// <summary>Normalises a possibly negative axis against <paramref name="rank"/>.</summary>
    public int Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) Fail($"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    [DoesNotReturn]
    public static T Fail<T>(string reason) => throw new ShapeInferenceFailure(reason);

    [DoesNotReturn]
    public void Fail(string reason) => throw new ShapeInferenceFailure(reason);
}
