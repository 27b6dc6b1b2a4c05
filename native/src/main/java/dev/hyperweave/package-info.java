/** The root of Hyperweave: {@link dev.hyperweave.HyperweaveException}, the base of the errors it throws. */
package dev.hyperweave;
