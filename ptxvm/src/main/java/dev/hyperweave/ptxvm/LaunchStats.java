package dev.hyperweave.ptxvm;

/**
 * What one launch executed: instructions by class (memory: ld, st, atom, red, cvta; arithmetic;
 * special functions: rcp, sqrt, rsqrt, ex2, lg2, sin, cos, tanh; control: bra, ret, exit; sync:
 * bar, membar, shfl, vote, activemask) and bytes moved per state space. Instructions whose guard
 * predicate was false are not counted.
 */
public record LaunchStats(long memoryInsns, long arithmeticInsns, long specialInsns, long controlInsns, long syncInsns,
                          long globalBytes, long sharedBytes, long localBytes, long paramBytes) {

    public long total() {
        return memoryInsns + arithmeticInsns + specialInsns + controlInsns + syncInsns;
    }

    @Override
    public String toString() {
        return String.format("instructions %d (memory %d, arithmetic %d, special %d, control %d, sync %d); bytes global %d, "
                        + "shared %d, local %d, param %d", total(), memoryInsns, arithmeticInsns, specialInsns, controlInsns,
                syncInsns, globalBytes, sharedBytes, localBytes, paramBytes);
    }
}
