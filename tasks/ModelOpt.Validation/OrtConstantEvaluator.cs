using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Onnx;
using ModelOpt.Engine.Passes;

namespace ModelOpt.Validation;

/// <summary>
/// Constant folding's evaluator: runs the single node in ONNX Runtime, in a one-node model at the
/// original model's opsets, with its constant inputs fed as graph inputs. ONNX Runtime is the
/// reference for what an op computes, so a folded value equals what the unfolded model produced.
/// </summary>
public sealed class OrtConstantEvaluator : IConstantEvaluator
{
    // Graph optimizations would only rewrite a one-node graph; none is needed to evaluate it.
    private static readonly OrtSessionSettings Settings = new() { OptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };

    public IReadOnlyList<Tensor?> Evaluate(Model model, Node node)
    {
        var proto = new ModelProto { IrVersion = model.IrVersion, ProducerName = "ModelOpt constant folding" };
        proto.OpsetImport.AddRange(model.Template.OpsetImport.Select(o => o.Clone()));
        var graph = new GraphProto { Name = "fold" };
        var nodeProto = node.Proto.Clone();
        nodeProto.Input.Clear();
        nodeProto.Output.Clear();
        var feeds = new List<TensorData>();
        foreach (var input in node.Inputs)
        {
            nodeProto.Input.Add(input?.Name ?? "");
            if (input is null || feeds.Any(f => f.Name == input.Name)) continue;
            var value = input.ConstantValue ?? throw new ArgumentException($"{node}: input '{input.Name}' is not constant.", nameof(node));
            graph.Input.Add(Declare(input.Name, value.DataType, value.Dims));
            feeds.Add(ToTensorData(node, value, input.Name));
        }
        var outputNames = new List<string>();
        foreach (var output in node.Outputs)
        {
            nodeProto.Output.Add(output?.Name ?? "");
            if (output is null) continue;
            outputNames.Add(output.Name);
            // Type only where known: ONNX Runtime infers the rest and checks a declared shape against it.
            graph.Output.Add(output.ElementType == TensorProto.Types.DataType.Undefined
                ? new ValueInfoProto { Name = output.Name }
                : Declare(output.Name, output.ElementType, null));
        }
        graph.Node.Add(nodeProto);
        proto.Graph = graph;

        using var runner = OrtModelRunner.FromBytes(proto.ToByteArray(), $"{OrtModelRunner.DisplayName(model)} (constant folding of {node})", Settings);
        var results = runner.Run(feeds, outputNames);
        var tensors = new Tensor?[node.Outputs.Count];
        int k = 0;
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is null) continue;
            var r = results[k++];
            tensors[i] = Tensor.FromBytes(r.Name, r.ElementType, r.Shape, r.Bytes);
        }
        return tensors;
    }

    private static TensorData ToTensorData(Node node, Tensor value, string name)
    {
        try
        {
            return TensorData.FromTensor(value, name);
        }
        catch (ArgumentException e)
        {
            throw new ModelOptException(ErrorCode.RuntimeFailed, node.Owner.Model.SourcePath, $"{node}: input '{name}' cannot be fed to ONNX Runtime: {e.Message}", e);
        }
    }

    private static ValueInfoProto Declare(string name, TensorProto.Types.DataType type, long[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (long d in dims) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
