using ModelOpt.Engine.Numerics;

namespace ModelOpt.Engine.Tests.Numerics;

/// <summary>The one top-1: classifier accuracy and top-1 agreement both read it.</summary>
[TestClass]
public sealed class ArgMaxTests
{
    [TestMethod]
    public void LargestOfARowTheFirstOnATie()
    {
        Assert.AreEqual(2, ArgMax.Of<float>([0.1f, 0.3f, 0.9f, 0.2f], 0, 4));
        Assert.AreEqual(1, ArgMax.Of<double>([5, 7, 7, 1], 0, 4));
        Assert.AreEqual(0, ArgMax.Of<double>([3], 0, 1));
        Assert.AreEqual(0, ArgMax.Of<double>([], 0, 0));
    }

    [TestMethod]
    public void RowsAndStridedClassAxes()
    {
        // Two rows of three: the second row starts at 3.
        double[] rows = [9, 0, 0, 1, 2, 8];
        Assert.AreEqual(0, ArgMax.Of<double>(rows, 0, 3));
        Assert.AreEqual(2, ArgMax.Of<double>(rows, 3, 3));
        // [C = 3, HW = 2]: pixel 1's classes sit at 1, 3, 5.
        double[] map = [0, 4, 0, 6, 0, 5];
        Assert.AreEqual(1, ArgMax.Of<double>(map, 1, 3, stride: 2));
    }

    [TestMethod]
    public void NaNNeverWins()
    {
        Assert.AreEqual(1, ArgMax.Of<double>([1, 2, double.NaN], 0, 3));
        Assert.AreEqual(0, ArgMax.Of<double>([double.NaN, 2, 3], 0, 3));
    }
}
