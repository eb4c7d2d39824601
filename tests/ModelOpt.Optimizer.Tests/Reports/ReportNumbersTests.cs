using ModelOpt.Engine.Budgets;
using ModelOpt.Optimizer.Reports;

namespace ModelOpt.Optimizer.Tests.Reports;

[TestClass]
public sealed class ReportNumbersTests
{
    [TestMethod]
    public void FloatingPointNoiseIsRoundedAway()
    {
        Assert.AreEqual(-0.1, ReportNumbers.Points(97.85 - 97.95));
        Assert.AreEqual(-0.1, ReportNumbers.Budget(-0.09999999999999432, QuantityKind.Points));
        Assert.AreEqual(0.999963, ReportNumbers.Fraction(0.99996312345));
        Assert.AreEqual(1.003, ReportNumbers.Ratio(1.0031315));
        Assert.AreEqual(0.097, ReportNumbers.Milliseconds(0.09712));
        Assert.AreEqual(1_066_268d, ReportNumbers.Budget(1_066_268.0000001, QuantityKind.Flops));
    }

    [TestMethod]
    public void NegativeZeroBecomesZero()
    {
        double rounded = ReportNumbers.Points(-0.0001);
        Assert.AreEqual(0d, rounded);
        Assert.IsFalse(double.IsNegative(rounded), "-0 would print as -0");
    }

    [TestMethod]
    public void ErrorsKeepFourSignificantDigitsAndNonFiniteIsAbsent()
    {
        Assert.AreEqual(0.3655, ReportNumbers.Error(0.36548912));
        Assert.AreEqual(1.235e-7, ReportNumbers.Error(1.23456e-7));
        Assert.AreEqual(12350d, ReportNumbers.Error(12345.6));
        Assert.IsNull(ReportNumbers.Error(double.PositiveInfinity));
        Assert.IsNull(ReportNumbers.Error(double.NaN));
    }

    [TestMethod]
    [DataRow(1_066_268d, 530_000d, "2.01× fewer")]
    [DataRow(1_000_000d, 1_040_000d, "1.04× more")]
    [DataRow(1_000_000d, 1_000_000d, "no change")]
    [DataRow(1_000_000d, 999_000d, "0.1 % fewer")]
    [DataRow(1_000_000d, 1_003_000d, "0.3 % more")]
    public void ChangeNeverSaysFewerForMore(double before, double after, string expected) =>
        Assert.AreEqual(expected, ReportNumbers.Change(before, after));
}
