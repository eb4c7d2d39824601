using Google.Protobuf;
using ModelOpt.Engine.Onnx;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.TestSupport;

/// <summary>Terse constructors for ONNX messages, for fixtures that the IR cannot express directly (subgraphs, functions, broken graphs).</summary>
public static class ProtoBuilders
{
    public static NodeProto Node(string opType, string[] inputs, string[] outputs, string? name = null, string domain = "")
    {
        var node = new NodeProto { OpType = opType, Name = name ?? $"{opType}_{outputs.FirstOrDefault()}" };
        if (domain.Length > 0) node.Domain = domain;
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    public static ValueInfoProto TensorInfo(string name, DataType type, params long[] dims)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (long d in dims) tt.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }

    public static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    public static TensorProto Int64Tensor(string name, long[] dims, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    public static AttributeProto GraphAttribute(string name, GraphProto graph) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    public static AttributeProto TensorAttribute(string name, TensorProto tensor) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A model around <paramref name="graph"/> importing the default domain at <paramref name="opset"/>.</summary>
    public static ModelProto ModelAround(GraphProto graph, long opset = 17, long irVersion = 8)
    {
        var model = new ModelProto { IrVersion = irVersion, ProducerName = "ModelOpt.TestSupport", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static float[] RandomFloats(Random random, int count, float scale = 1f) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();

    /// <summary>
    /// A copy of <paramref name="message"/> carrying an extra field number no ONNX version uses, so
    /// tests can check that fields a reader does not know survive a round trip.
    /// </summary>
    public static T WithUnknownField<T>(T message, int fieldNumber, ulong value) where T : IMessage<T>, new()
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        message.WriteTo(output);
        output.WriteTag(fieldNumber, WireFormat.WireType.Varint);
        output.WriteUInt64(value);
        output.Flush();
        var parser = new MessageParser<T>(() => new T());
        return parser.ParseFrom(buffer.ToArray());
    }
}
