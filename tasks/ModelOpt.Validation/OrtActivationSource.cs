using ModelOpt.Engine.Calibration;
using ModelOpt.Engine.Config;
using ModelOpt.Engine.Cost;
using ModelOpt.Engine.IR;
using ModelOpt.Validation.Data;

namespace ModelOpt.Validation;

/// <summary>
/// Calibration activations from ONNX Runtime: runs a model over a <see cref="SampleSet"/> in
/// batches with the requested values exposed as outputs, one batch in memory at a time. The batch
/// size is the largest (up to <c>batchSize</c>) whose estimated peak (<see cref="ActivationMemory"/>)
/// fits under <c>memoryCapBytes</c>, so peak memory depends on the model and the cap, not on how
/// many samples there are; what is calibrated does not depend on the batch.
/// </summary>
public sealed class OrtActivationSource(SampleSet samples, int batchSize = 16, OrtSessionSettings? settings = null,
    long? memoryCapBytes = null, Engine.Shapes.StatePairs? state = null) : IActivationSource
{
    private readonly long _memoryCapBytes = memoryCapBytes ?? RuntimeConfig.DefaultMemoryCapBytes;

    public string Description => samples.Description;

    public bool IsSynthetic => samples.IsSynthetic;

    public int SampleCount => samples.Count;

    /// <summary>The batch size of the last stream opened, for reports and benchmarks.</summary>
    public int LastBatchSize { get; private set; }

    /// <summary>What the last stream opened was estimated to hold, for reports and benchmarks.</summary>
    public MemoryEstimate LastEstimate { get; private set; } = new(0, SampleMemory.Zero);

    public IEnumerable<IReadOnlyDictionary<string, Tensor>> Stream(Model model, IReadOnlyCollection<string> valueNames) =>
        StreamTogether([(model, valueNames)]).Select(batch => batch[0]);

    /// <summary>
    /// Every model runs on the same batch before the next batch is read, so a teacher's and a
    /// student's values pair up sample for sample; the batch size keeps all of them, side by side,
    /// under the cap.
    /// </summary>
    public IEnumerable<IReadOnlyList<IReadOnlyDictionary<string, Tensor>>> StreamTogether(IReadOnlyList<(Model Model, IReadOnlyCollection<string> Values)> streams)
    {
        var shapes = samples.SampleShapes();
        var estimate = ActivationMemory.Of(shapes, arena: false, streams.Select(s => (s.Model, s.Values)).ToArray());
        var perSample = estimate.PerSample;
        var runners = new List<OrtModelRunner>(streams.Count);
        try
        {
            foreach (var (model, values) in streams)
                runners.Add(OrtModelRunner.FromBytes(ExposedValues.ModelBytes(model, values), OrtModelRunner.DisplayName(model), (settings ?? OrtSessionSettings.Default) with { MemoryArena = false }));
            // A model whose inputs fix the batch dimension takes exactly that many samples per run.
            long? fixedBatch = runners.SelectMany(r => r.Inputs).Select(i => i.Dims.Length > 0 ? i.Dims[0] : null).FirstOrDefault(d => d is not null);
            string file = OrtModelRunner.DisplayName(streams[0].Model);
            int size = fixedBatch is long f
                ? FixedBatch(f, estimate, file)
                : ActivationMemory.BatchSize(_memoryCapBytes, estimate, batchSize, file, $"calibration ({streams.Sum(s => s.Values.Count)} values exposed)");
            LastBatchSize = size;
            LastEstimate = estimate;

            var wanted = runners.Select((r, k) =>
            {
                var inputNames = new HashSet<string>(r.Inputs.Select(i => i.Name), StringComparer.Ordinal);
                return streams[k].Values.Where(n => !inputNames.Contains(n)).ToArray();
            }).ToArray();
            // A streaming model is calibrated on the states it reaches on its samples, not on its initial one.
            var pairs = state ?? Engine.Shapes.StatePairs.None;
            var steppers = runners.Select(r => new StatefulRunner(r, pairs)).ToArray();
            foreach (var batch in samples.Batches(size))
            {
                var results = new List<IReadOnlyDictionary<string, Tensor>>(runners.Count);
                for (int k = 0; k < runners.Count; k++)
                {
                    // ORT refuses a run with no outputs: when only graph inputs are wanted, nothing needs running.
                    IReadOnlyList<TensorData> outputs = wanted[k].Length == 0 && pairs.IsEmpty ? [] : steppers[k].Run(batch, wanted[k]);
                    var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                    foreach (var input in batch)
                        if (streams[k].Values.Contains(input.Name)) values[input.Name] = ToTensor(input);
                    foreach (var output in outputs) values[output.Name] = ToTensor(output);
                    results.Add(values);
                }
                yield return results;
                // A batch is only valid until the next one is asked for. Consumers' enumerators
                // (a Select's current item, a foreach variable) still reference the batch just
                // consumed while the next one runs; emptying it lets its tensors go, so two batches
                // are never alive at once: the cap is for one.
                foreach (var values in results) ((Dictionary<string, Tensor>)values).Clear();
                results = null!;
                // The tensors sit in large-object arrays that the GC would otherwise keep until
                // its own budget runs out; and even collected, their pages stay committed (the GC
                // decommits gradually), so the next run's native activations would come on top of
                // the last batch's managed ones. An aggressive collection hands them back to the
                // system now; it costs little next to a run that hands back this much.
                // Below 8 MiB a batch the GC's own budget is small enough (measured: a 63 MiB batch
                // left uncollected held 4 batches at once).
                if (perSample.ExposedBytes * size >= 8L << 20) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    private int FixedBatch(long batch, MemoryEstimate estimate, string file)
    {
        // The model decides the batch; the cap can only refuse it.
        if (estimate.For((int)batch) > _memoryCapBytes)
            throw ActivationMemory.TooSmall(_memoryCapBytes, estimate with { FixedBytes = estimate.FixedBytes + (batch - 1) * estimate.PerSample.Total }, file, $"calibration (a fixed batch of {batch})");
        return (int)batch;
    }

    private static Tensor ToTensor(TensorData data) => Tensor.FromBytes(data.Name, data.ElementType, data.Shape, data.Bytes);
}
