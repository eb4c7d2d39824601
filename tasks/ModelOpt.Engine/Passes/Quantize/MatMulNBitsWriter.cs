using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Engine.Passes.Quantize;

/// <summary>
/// Writes ONNX Runtime's com.microsoft <c>MatMulNBits</c>: inputs A, B (uint8 [N, blocks, block/2],
/// two codes a byte, low nibble first), scales (float [N·blocks]) and, when asymmetric, zero points
/// (uint8 [N·ceil(blocks/2)], packed the same way; absent means 8); attributes K, N, bits, block_size.
/// </summary>
public static class MatMulNBitsWriter
{
    public static void Replace(Graph graph, Node matMul, Int4Blocks blocks, bool symmetric)
    {
        string name = matMul.Name;
        var b = graph.AddInitializer(Tensor.FromArray($"{name}.weight_int4", DataType.Uint8, [blocks.N, blocks.BlocksPerColumn, blocks.BlockSize / 2], blocks.PackedCodes()));
        var scales = graph.AddInitializer(Tensor.FromFloats($"{name}.weight_scales", [blocks.N * blocks.BlocksPerColumn], blocks.Scales));
        var inputs = new List<Value?> { matMul.Input(0), b, scales };
        if (!symmetric)
        {
            var zp = blocks.PackedZeroPoints();
            inputs.Add(graph.AddInitializer(Tensor.FromArray($"{name}.weight_zero_points", DataType.Uint8, [zp.Length], zp)));
        }
        var node = graph.CreateNode("MatMulNBits", inputs, name: $"{name}_int4", domain: DynamicQuantizer.MicrosoftDomain, before: matMul);
        node.SetInt("K", blocks.K);
        node.SetInt("N", blocks.N);
        node.SetInt("bits", 4);
        node.SetInt("block_size", blocks.BlockSize);
        var y = matMul.Output(0);
        node.Output(0).ElementType = DataType.Float;
        node.Output(0).Shape = y.Shape;
        graph.ReplaceAllUses(y, node.Output(0));
        graph.RemoveNode(matMul, force: true);
    }
}
