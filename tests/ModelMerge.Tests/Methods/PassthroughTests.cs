using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §5.3: passthrough copies its one input, scaled when the model sets a scale.</summary>
public sealed class PassthroughTests
{
    private static readonly float[]? NoBase = null;

    [Fact]
    public void Scale_reproduces_the_worked_example()
    {
        var output = TensorMergeRunner.Run(new Passthrough(0.5), [3], NoBase, [1f, -2f, 0.5f]);

        WorkedExample.AssertClose([0.5, -1, 0.25], output);
    }

    [Fact]
    public void Unset_scale_leaves_every_bit_of_the_tensor_unchanged()
    {
        float[] theta = [1.5f, -0f, float.Epsilon, -3.25e-20f, float.MaxValue, float.NaN];
        var method = Passthrough.Method.Create!(MethodChecks.Parameters(Passthrough.Method, 1));

        var output = TensorMergeRunner.Run(method, [theta.Length], NoBase, theta);

        Assert.Equal(theta.Select(BitConverter.SingleToUInt32Bits), output.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void A_scale_that_is_no_float32_multiplies_in_float64_and_rounds_once()
    {
        var theta = MethodChecks.Normal(40, MethodChecks.LargeLength, 0.02);

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new Passthrough(0.1), MethodChecks.Flat(theta.Length), null, theta);

        MethodChecks.WithinOneUlp(theta.Select(x => x * 0.1).ToArray(), output);
    }

    [Fact]
    public void Several_inputs_for_one_tensor_are_an_error()
    {
        var error = Assert.Throws<MergeException>(() => TensorMergeRunner.Run(new Passthrough(1), [2], NoBase, [1f, 2f], [3f, 4f]));

        Assert.Equal(Passthrough.SeveralInputs, error.ErrorId);
    }
}
