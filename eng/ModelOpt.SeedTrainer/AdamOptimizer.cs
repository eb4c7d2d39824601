namespace ModelOpt.SeedTrainer;

/// <summary>Adam (Kingma &amp; Ba) with bias correction; the learning rate is set per step by the caller's schedule.</summary>
internal sealed class AdamOptimizer(ParameterSet parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
{
    private readonly float[][] _m = parameters.All.Select(a => new float[a.Length]).ToArray();
    private readonly float[][] _v = parameters.All.Select(a => new float[a.Length]).ToArray();
    private int _step;

    /// <summary>Applies <paramref name="gradientSum"/> divided by <paramref name="batchSize"/> (the mean gradient).</summary>
    public void Step(ParameterSet gradientSum, int batchSize, float learningRate)
    {
        _step++;
        float correction1 = 1f - MathF.Pow(beta1, _step);
        float correction2 = 1f - MathF.Pow(beta2, _step);
        float scale = 1f / batchSize;
        var weights = parameters.All;
        var grads = gradientSum.All;
        for (int t = 0; t < weights.Length; t++)
        {
            float[] w = weights[t], g = grads[t], m = _m[t], v = _v[t];
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i] * scale;
                m[i] = beta1 * m[i] + (1f - beta1) * gi;
                v[i] = beta2 * v[i] + (1f - beta2) * gi * gi;
                w[i] -= learningRate * (m[i] / correction1) / (MathF.Sqrt(v[i] / correction2) + epsilon);
            }
        }
    }
}
