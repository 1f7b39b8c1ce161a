using System.Security.Cryptography;
using System.Text;
using ExchangeSpool.Core.Encryption;
using ExchangeSpool.Core.Format;
using ExchangeSpool.Core.Tests.Support;

namespace ExchangeSpool.Core.Tests;

/// <summary>Key ids in file headers, rotation to a new current key, and what happens when a key is missing.</summary>
public sealed class KeyRotationTests : SpoolTest
{
    private readonly byte[] _keyA = TestKeys.NewKey();
    private readonly byte[] _keyB = TestKeys.NewKey();

    private async Task<(ExchangeSpec Spec, List<TestPage> Pages)> WriteWithKeyAAsync()
    {
        var spool = NewSpool(keys: TestKeys.Ring((1, _keyA)));
        var spec = spool.Exchange("rotated", partitions: 2);
        var pages = Pages.Spread(0, 2, 30, i => 1000 + i);
        await spool.WriteAttemptAsync(spec, 0, 0, pages, Ct);
        return (spec, pages);
    }

    private uint KeyIdOf(SpoolHarness spool, ExchangeSpec spec, int attemptId)
    {
        var bytes = File.ReadAllBytes(spool.FullPath(spool.DataFile(spec, 0, attemptId, 0, 0)));
        Assert.True(SpoolFileHeader.TryRead(bytes, out var header, out var problem), problem);
        return header.KeyId;
    }

    [Fact]
    public async Task WrittenWithA_ReadAfterRotatingToB_WithAAsPrevious_AndNewFilesUseB()
    {
        var (spec, pages) = await WriteWithKeyAAsync();
        var rotated = NewSpool(keys: TestKeys.Ring((2, _keyB), (1, _keyA)));

        var read = await rotated.ReadAttemptAsync(spec, 0, 0, Ct);
        await rotated.WriteAttemptAsync(spec, 0, 1, pages, Ct);

        var expected = Pages.ByPartition(pages, 2);
        for (var p = 0; p < 2; p++)
            Pages.AssertSame(expected[p], read[p], $"partition {p}");
        Assert.Equal(1u, KeyIdOf(rotated, spec, 0));
        Assert.Equal(2u, KeyIdOf(rotated, spec, 1));
        Pages.AssertSame(expected[1], (await rotated.ReadAttemptAsync(spec, 0, 1, Ct))[1], "attempt 1 partition 1");
    }

    [Fact]
    public async Task WrittenWithA_ReadWithAGone_FailsNamingTheKeyIdNeverTheKey()
    {
        var (spec, _) = await WriteWithKeyAAsync();
        var rotated = NewSpool(keys: TestKeys.Ring((2, _keyB)));

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => rotated.ReadAttemptAsync(spec, 0, 0, Ct));

        Assert.Contains("key id 1", message);
        Assert.Contains("exchange.spool.encryption.previous-key-files", message);
        foreach (var key in new[] { _keyA, _keyB })
        {
            Assert.DoesNotContain(Convert.ToHexString(key), message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(key), message);
        }
    }

    [Fact]
    public async Task WrittenWithA_ReadWithAnotherKeyUnderTheSameId_FailsAuthentication()
    {
        var (spec, _) = await WriteWithKeyAAsync();
        var wrong = NewSpool(keys: TestKeys.Ring((1, _keyB)));

        var message = await Errors.ExpectAsync(SpoolErrorCode.DataLoss, () => wrong.ReadAttemptAsync(spec, 0, 0, Ct));

        Assert.Contains("block 0: authentication failed", message);
    }

    [Fact]
    public async Task EncryptedFile_OnAServerWithoutEncryption_FailsSayingSo()
    {
        var (spec, _) = await WriteWithKeyAAsync();

        var message = await Errors.ExpectAsync(SpoolErrorCode.FailedPrecondition, () => NewSpool().ReadAttemptAsync(spec, 0, 0, Ct));

        Assert.Contains("exchange.encryption-enabled=false", message);
    }

    [Fact]
    public async Task UnencryptedFile_OnAServerWithEncryption_IsRefusedAsUnauthenticated()
    {
        var plain = NewSpool();
        var spec = plain.Exchange("plain", partitions: 1);
        await plain.WriteAttemptAsync(spec, 0, 0, Pages.Spread(0, 1, 5, _ => 100), Ct);

        var message = await Errors.ExpectAsync(SpoolErrorCode.DataLoss, () => NewSpool(keys: TestKeys.Ring((1, _keyA))).ReadAttemptAsync(spec, 0, 0, Ct));

        Assert.Contains("is not encrypted", message);
    }

    [Fact]
    public void DerivedKeys_DependOnMasterKeySaltAndExchange_AndTheRingNamesNoKey()
    {
        var ring = TestKeys.Ring((1, _keyA), (2, _keyB));
        var spec = new ExchangeSpec(new ExchangeKey("q", "e"), 1, false, RandomNumberGenerator.GetBytes(ExchangeSpec.SaltSize));
        byte[] Derive(uint id, ExchangeSpec exchange)
        {
            var key = new byte[KeyRing.KeySize];
            ring.DeriveExchangeKey(id, exchange, key);
            return key;
        }

        var keys = new[]
        {
            Derive(1, spec), Derive(2, spec),
            Derive(1, spec with { Salt = RandomNumberGenerator.GetBytes(ExchangeSpec.SaltSize) }),
            Derive(1, spec with { Key = new ExchangeKey("q", "other") }),
        };

        Assert.Equal(keys[0], Derive(1, spec));
        Assert.Equal(keys.Length, keys.Select(Convert.ToHexString).Distinct().Count());
        Assert.DoesNotContain(_keyA, keys);
        var text = ring.ToString();
        Assert.DoesNotContain(Convert.ToHexString(_keyA), text);
        Assert.DoesNotContain(Convert.ToBase64String(_keyA), text);
        Assert.Equal("key ring (current key id 1; key ids 1, 2)", text);
        Assert.Contains("salt", Errors.Expect(SpoolErrorCode.InvalidArgument, () => Derive(1, spec with { Salt = Encoding.ASCII.GetBytes("short") })));
    }
}
