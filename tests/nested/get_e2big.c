// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_NESTED_STATE reads the buffer size from kvm_nested_state.size.
 * When the state does not fit, it fails with E2BIG and writes the size it
 * needs into that field; a VMM then retries with exactly that size. Every
 * exactly sized buffer here ends where an inaccessible page begins, so a
 * kernel writing past it faults instead of hiding that in slack.
 *
 * behaviour: nested.get_e2big
 * rule: KVM_GET_NESTED_STATE with a too-small size fails with E2BIG and
 *       writes the needed size back, writing nothing past the size given; a
 *       buffer of exactly that size works
 * source: Documentation/virt/kvm/api.rst "4.114 KVM_GET_NESTED_STATE"
 *         (Errors: E2BIG)
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "test.h"


FIXTURE(get_e2big) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(get_e2big) {
	const struct nested_ops *ops;
};

FIXTURE_VARIANT_ADD(get_e2big, vmx) { .ops = &nested_vmx };
FIXTURE_VARIANT_ADD(get_e2big, svm) { .ops = &nested_svm };

FIXTURE_SETUP(get_e2big)
{
	REQUIRE_NESTED(variant->ops);
	self->vm = vm_create();
	nested_setup(self->vm, variant->ops);
	self->vcpu = vcpu_add(self->vm, l1_stop_in_l2);
}

FIXTURE_TEARDOWN(get_e2big)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

#define CANARY 0xa5

/* KVM_GET_NESTED_STATE with size set to size in a buffer of room bytes
 * filled with CANARY: the slack past size is where a VMM's allocator
 * would have put something else. */
static int get_state_in_room(struct vcpu *vcpu, uint32_t size, uint32_t room,
			     struct kvm_nested_state **out)
{
	*out = malloc(room);
	memset(*out, CANARY, room);
	(*out)->size = size;
	return __vcpu_ioctl(vcpu, KVM_GET_NESTED_STATE, *out);
}

/* KVM_GET_NESTED_STATE into a buffer of exactly size bytes that ends where
 * an inaccessible page begins. */
static int get_state_exact(struct vcpu *vcpu, uint32_t size)
{
	struct kvm_nested_state *blank = calloc(1, size), *s;

	blank->size = size;
	s = nested_state_before_guard(blank, size);
	free(blank);
	return __vcpu_ioctl(vcpu, KVM_GET_NESTED_STATE, s);
}

static void expect_e2big_then_exact(struct __test_metadata *_metadata,
				    struct vcpu *vcpu, uint32_t short_size,
				    uint32_t needed)
{
	struct kvm_nested_state *s;
	int r = get_state_in_room(vcpu, short_size, needed, &s);

	/* Rule: a too-small size fails with E2BIG. */
	ASSERT_EQ(-E2BIG, r) TH_LOG("size %u: %s", short_size, strerror(-r));
	/* Rule: E2BIG writes the needed size into size. */
	EXPECT_EQ(needed, s->size);
	free(s);
	/* Rule: a buffer of exactly the needed size works. */
	r = get_state_exact(vcpu, needed);
	EXPECT_EQ(0, r) TH_LOG("size %u: %s", needed, strerror(-r));
}

TEST_F(get_e2big, idle_vcpu_short_of_header)
{
	expect_e2big_then_exact(_metadata, self->vcpu,
				NESTED_STATE_HDR_SIZE - 1, NESTED_STATE_HDR_SIZE);
}

TEST_F(get_e2big, guest_mode_header_only)
{
	vcpu_run_expect(self->vcpu, UCALL_SYNC, NESTED_STAGE_IN_L2);
	expect_e2big_then_exact(_metadata, self->vcpu, NESTED_STATE_HDR_SIZE,
				variant->ops->state_size);
}

TEST_F(get_e2big, guest_mode_one_byte_short)
{
	vcpu_run_expect(self->vcpu, UCALL_SYNC, NESTED_STAGE_IN_L2);
	expect_e2big_then_exact(_metadata, self->vcpu,
				variant->ops->state_size - 1,
				variant->ops->state_size);
}

/*
 * The E2BIG contract presumes the buffer is size bytes long. Known to
 * fail on SVM since KVM_GET_NESTED_STATE came to SVM (v5.8):
 * svm_get_nested_state() checks size against the header only, then writes
 * the whole 4096-byte VMCB12 before x86.c returns E2BIG.
 */
TEST_F(get_e2big, guest_mode_short_buffer_not_written_past_size)
{
	uint32_t room = variant->ops->state_size, i, past = 0, first = 0;
	struct kvm_nested_state *s;
	const uint8_t *b;
	int r;

	vcpu_run_expect(self->vcpu, UCALL_SYNC, NESTED_STAGE_IN_L2);
	r = get_state_in_room(self->vcpu, NESTED_STATE_HDR_SIZE, room, &s);
	ASSERT_EQ(-E2BIG, r) TH_LOG("size %u: %s", NESTED_STATE_HDR_SIZE, strerror(-r));
	b = (const uint8_t *)s;
	for (i = NESTED_STATE_HDR_SIZE; i < room; i++)
		if (b[i] != CANARY && !past++)
			first = i;
	/* Rule: KVM writes nothing past the size it was given. */
	if (past)
		kvmabi_fail("KVM_GET_NESTED_STATE with size %u wrote %u bytes past "
			    "it, the first at offset %u", NESTED_STATE_HDR_SIZE,
			    past, first);
	free(s);
}

TEST_HARNESS_MAIN
