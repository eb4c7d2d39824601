using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.IR;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation;

/// <summary>
/// Calibration activations from ONNX Runtime: runs a model over a <see cref="SampleSet"/> in
/// batches with the requested values exposed as outputs, one batch in memory at a time.
/// </summary>
public sealed class OrtActivationSource(SampleSet samples, int batchSize = 16, OrtSessionSettings? settings = null, Engine.Shapes.StatePairs? state = null) : IActivationSource
{
    public string Description => samples.Description;

    public bool IsSynthetic => samples.IsSynthetic;

    public int SampleCount => samples.Count;

    public IEnumerable<IReadOnlyDictionary<string, Tensor>> Stream(Model model, IReadOnlyCollection<string> valueNames)
    {
        using var runner = OrtModelRunner.FromBytes(ExposedValues.ModelBytes(model, valueNames), OrtModelRunner.DisplayName(model), settings);
        // A model whose inputs fix the batch dimension takes exactly that many samples per run.
        int size = runner.Inputs.Select(i => i.Dims.Length > 0 ? i.Dims[0] : null).FirstOrDefault(d => d is not null) is long fixedBatch
            ? (int)fixedBatch : batchSize;
        var inputNames = new HashSet<string>(runner.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        var wanted = valueNames.Where(n => !inputNames.Contains(n)).ToArray();
        // A streaming model is calibrated on the states it reaches on its samples, not on its initial one.
        var pairs = state ?? Engine.Shapes.StatePairs.None;
        var stepped = new StatefulRunner(runner, pairs);
        foreach (var batch in samples.Batches(size))
        {
            // ORT refuses a run with no outputs: when only graph inputs are wanted, nothing needs running.
            IReadOnlyList<TensorData> outputs = wanted.Length == 0 && pairs.IsEmpty ? [] : stepped.Run(batch, wanted);
            var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var input in batch)
                if (valueNames.Contains(input.Name)) values[input.Name] = ToTensor(input);
            foreach (var output in outputs) values[output.Name] = ToTensor(output);
            yield return values;
        }
    }

    private static Tensor ToTensor(TensorData data) => Tensor.FromBytes(data.Name, data.ElementType, data.Shape, data.Bytes);
}
