using System.Diagnostics;
using System.Numerics.Tensors;

namespace ModelOpt.SeedTrainer;

/// <summary>
/// Mini-batch training of a digit network with Adam and a cosine learning-rate decay. Each batch is
/// cut into a fixed number of shards, each shard summed in its own workspace, and the shards added
/// in shard order, so the result does not depend on how many threads ran or in what order they finished.
/// </summary>
internal sealed class DigitTrainer<TParameters>(IDigitNetwork<TParameters> network, TrainingOptions options, TextWriter log)
    where TParameters : ParameterSet
{
    private const int Shards = 4;

    private readonly IDigitWorkspace<TParameters>[] _workspaces = Enumerable.Range(0, Shards).Select(_ => network.CreateWorkspace()).ToArray();
    private readonly float[][] _shifted = Enumerable.Range(0, Shards).Select(_ => new float[MnistDigits.PixelCount]).ToArray();

    public TParameters Train(IReadOnlyList<Digit> train, IReadOnlyList<Digit> heldOut)
    {
        var rng = new Random(options.Seed);
        var parameters = network.Initialize(rng);
        var optimizer = new AdamOptimizer(parameters);
        var order = Enumerable.Range(0, train.Count).ToArray();
        int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = stepsPerEpoch * options.Epochs;
        int step = 0;

        log.WriteLine($"{network.Name}: {parameters.Count:N0} parameters; {train.Count} training and {heldOut.Count} held-out digits; {options.Epochs} epochs of {stepsPerEpoch} batches of {options.BatchSize}.");
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            DatasetSplit.Shuffle(order, rng);
            double loss = 0;
            for (int start = 0; start < train.Count; start += options.BatchSize)
            {
                int count = Math.Min(options.BatchSize, train.Count - start);
                // Shifts are drawn here, in batch order, so the random sequence does not depend on threads.
                var shifts = Enumerable.Range(0, count).Select(_ => DigitShift.Draw(rng)).ToArray();
                var gradients = AccumulateBatch(parameters, train, order.AsSpan(start, count).ToArray(), shifts, out double batchLoss);
                loss += batchLoss;
                float lr = options.LearningRate * 0.5f * (1f + MathF.Cos(MathF.PI * step / totalSteps));
                optimizer.Step(gradients, count, lr);
                step++;
            }
            double accuracy = Accuracy(parameters, heldOut);
            log.WriteLine($"epoch {epoch}/{options.Epochs}: training loss {loss / train.Count:F4}, held-out accuracy {accuracy:P2} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        return parameters;
    }

    /// <summary>Fraction of <paramref name="digits"/> whose largest logit is the label.</summary>
    public double Accuracy(TParameters parameters, IReadOnlyList<Digit> digits)
    {
        var correct = new int[Shards];
        Parallel.For(0, Shards, shard =>
        {
            var ws = _workspaces[shard];
            for (int i = shard; i < digits.Count; i += Shards)
            {
                ws.Forward(parameters, digits[i].Pixels);
                if (TensorPrimitives.IndexOfMax(ws.Logits) == digits[i].Label) correct[shard]++;
            }
        });
        return (double)correct.Sum() / digits.Count;
    }

    private TParameters AccumulateBatch(TParameters parameters, IReadOnlyList<Digit> train, int[] batch, DigitShift[] shifts, out double loss)
    {
        Parallel.For(0, Shards, shard =>
        {
            var ws = _workspaces[shard];
            ws.Gradients.Clear();
            ws.Loss = 0;
            for (int i = shard; i < batch.Length; i += Shards)
            {
                var digit = train[batch[i]];
                shifts[i].Apply(digit.Pixels, _shifted[shard]);
                ws.Accumulate(parameters, _shifted[shard], digit.Label);
            }
        });

        var sum = _workspaces[0].Gradients.All;
        loss = _workspaces[0].Loss;
        for (int shard = 1; shard < Shards; shard++)
        {
            var other = _workspaces[shard].Gradients.All;
            for (int t = 0; t < sum.Length; t++) TensorPrimitives.Add(sum[t], other[t], sum[t]);
            loss += _workspaces[shard].Loss;
        }
        return _workspaces[0].Gradients;
    }
}
